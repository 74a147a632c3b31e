#include <cerrno>
#include <cstdlib>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "canopy/trace/chrome.hpp"
#include "canopy/viewer/diff.hpp"
#include "canopy/viewer/render.hpp"
#include "support.hpp"

using namespace canopy;

namespace {

bool updating_golden() {
  const char* update = std::getenv("CANOPY_UPDATE_GOLDEN");
  return update != nullptr && std::string(update) == "1";
}

// Compares against tests/trace/golden/<name>, or rewrites it when
// CANOPY_UPDATE_GOLDEN=1.
void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = "golden/" + name;
  if (updating_golden()) {
    test::write_fixture(path, actual);
    return;
  }
  const std::string expected = test::read_fixture(path);
  INFO("golden file " << path << " differs; rerun with CANOPY_UPDATE_GOLDEN=1 after checking the picture");
  CHECK(actual == expected);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A parent with `fanout` children, each with `fanout` children; siblings
// all differ (no bands) unless `alike_grandchildren`.
trace::Model wide_tree(int fanout, bool alike_grandchildren = false) {
  test::TraceText text;
  runtime::CoroutineId next = 1;
  std::int64_t t = 0;
  std::vector<std::string> names;
  for (int i = 0; i < fanout; ++i) names.push_back("f" + std::to_string(i));
  for (int i = 0; i < fanout; ++i) {
    const runtime::CoroutineId child = next++;
    text.spawn(t++, child, 0, 0, names[static_cast<std::size_t>(i)].c_str());
    for (int j = 0; j < fanout; ++j) {
      text.spawn(t++, next++, child, 0, alike_grandchildren ? "grandchild" : names[static_cast<std::size_t>(j)].c_str());
    }
  }
  return test::model_of(text.text());
}

}  // namespace

TEST_CASE("Rendering the same trace twice gives byte-identical SVG and HTML") {
  const trace::Model model = test::fixture_model("traces/bundle_cancel.trace");
  CHECK(viewer::render_svg(model) == viewer::render_svg(model));
  CHECK(viewer::render_html(model) == viewer::render_html(model));
  const trace::Model again = test::fixture_model("traces/bundle_cancel.trace");
  CHECK(viewer::render_svg(model) == viewer::render_svg(again));
}

TEST_CASE("The SVG diagrams match the golden files") {
  check_golden("bundle_cancel.svg", viewer::render_svg(test::fixture_model("traces/bundle_cancel.trace")));
  viewer::RenderOptions by_seq;
  by_seq.event_order_axis = true;
  check_golden("bundle_cancel_seq.svg", viewer::render_svg(test::fixture_model("traces/bundle_cancel.trace"), by_seq));
  check_golden("leaky.svg", viewer::render_svg(test::fixture_model("traces/leaky.trace")));
  check_golden("pipeline.svg", viewer::render_svg(test::fixture_model("traces/pipeline.trace")));
}

TEST_CASE("The SVG shows lanes, bundles, grace, cancellation, deadlines, the axis and the legend") {
  viewer::RenderOptions by_seq;
  by_seq.event_order_axis = true;
  const std::string svg = viewer::render_svg(test::fixture_model("traces/bundle_cancel.trace"), by_seq);
  CHECK(occurrences(svg, "class=\"lane-row\"") == 4);
  CHECK(occurrences(svg, "class=\"bracket\"") >= 1);
  // Counts include the legend's one sample of each.
  CHECK(occurrences(svg, "class=\"grace\"") == 1 + 1);  // main's bundle_wait
  CHECK(occurrences(svg, "class=\"cancel\" d=") == 2);  // one fan, two branches
  CHECK(occurrences(svg, "class=\"cancel-origin\"") == 1);
  CHECK(occurrences(svg, "class=\"ecanceled\" transform") == 2 + 1);
  CHECK(svg.find("blocked: chrecv ch 2") != std::string::npos);
  CHECK(svg.find("class=\"dl-missed\"") != std::string::npos);  // bundle_wait's deadline expired
  CHECK(svg.find("id=\"legend\"") != std::string::npos);
  CHECK(svg.find("event seq") != std::string::npos);
  const std::string timed = viewer::render_svg(test::fixture_model("traces/bundle_cancel.trace"));
  CHECK(timed.find("virtual ms") != std::string::npos);
}

TEST_CASE("A child outliving its parent is drawn as not structured") {
  const std::string svg = viewer::render_svg(test::fixture_model("traces/leaky.trace"));
  CHECK(occurrences(svg, "class=\"not-structured\" x=") == 2);
  CHECK(svg.find("not structured: outlived parent co 1") != std::string::npos);
  CHECK(svg.find(">ms</text>") != std::string::npos);  // real clock: plain ms
  const std::string clean = viewer::render_svg(test::fixture_model("traces/pipeline.trace"));
  CHECK(occurrences(clean, "class=\"not-structured\" x=") == 0);
}

TEST_CASE("Over a thousand coroutines collapse into summary lanes within the lane budget") {
  const trace::Model model = wide_tree(40);  // 1,640 coroutines
  REQUIRE(model.coroutines.size() == 1641);
  viewer::RenderOptions options;
  options.lane_budget = 100;
  const std::string svg = viewer::render_svg(model, options);
  const std::size_t lanes = occurrences(svg, "class=\"lane-row\"");
  CHECK(lanes <= 100);
  CHECK(lanes >= 50);
  CHECK(svg.find("+40 coroutines") != std::string::npos);  // a child's collapsed grandchildren
  CHECK(svg == viewer::render_svg(model, options));
}

TEST_CASE("Runs of identical siblings collapse into one band each, however many there are") {
  const trace::Model model = wide_tree(40, /*alike_grandchildren=*/true);
  viewer::RenderOptions options;
  options.lane_budget = 100;
  const std::string svg = viewer::render_svg(model, options);
  // main, its 40 different children, and one band of 40 under each.
  CHECK(occurrences(svg, "class=\"lane-row\"") == 1 + 40 + 40);
  CHECK(occurrences(svg, "40 \xC3\x97 grandchild") == 40);
  CHECK(occurrences(svg, "class=\"band\" ") == 40);
  CHECK(svg.find("+40 coroutines") == std::string::npos);
}

TEST_CASE("The HTML page is self-contained and has its interactive parts") {
  const std::string html = viewer::render_html(test::fixture_model("traces/bundle_cancel.trace"));
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK_FALSE(std::regex_search(html, std::regex("(src|href)\\s*=")));
  CHECK(html.find("<svg id=\"diagram\"") != std::string::npos);
  CHECK(html.find("<script>") != std::string::npos);
  CHECK(html.find("<style>") != std::string::npos);
  CHECK(html.find("id=\"zoom-in\"") != std::string::npos);
  CHECK(html.find("id=\"reset\"") != std::string::npos);
  CHECK(html.find("id=\"tip\"") != std::string::npos);
  CHECK(html.find("data-label=\"1\"") != std::string::npos);
  CHECK(html.find("replay: CANOPY_SEED=42 ./server") != std::string::npos);
  CHECK(html.find("<desc class=\"events\">co 1 worker (server.cpp:20)\n{&quot;seq&quot;:1") != std::string::npos);
}

TEST_CASE("Diff says identical for equal traces and names the first divergence otherwise") {
  const trace::Model a = test::fixture_model("traces/bundle_cancel.trace");
  viewer::DiffResult same = viewer::diff(a.trace, a.trace);
  CHECK(same.identical);
  CHECK_THAT(same.report, Catch::StartsWith("identical: both traces have the same 37 events"));

  trace::Trace b = a.trace;
  b.events[20].event.time_ns += 1;
  viewer::DiffResult changed = viewer::diff(a.trace, b);
  CHECK_FALSE(changed.identical);
  CHECK(changed.first_difference_seq == 20);
  CHECK_THAT(changed.report, Catch::Contains("diverge at seq 20 (line 22)"));
  CHECK_THAT(changed.report, Catch::Contains("a: {\"seq\":20,\"t\":100000000,"));
  CHECK_THAT(changed.report, Catch::Contains("b: {\"seq\":20,\"t\":100000001,"));

  trace::Trace shorter = a.trace;
  shorter.events.resize(10);
  viewer::DiffResult prefix = viewer::diff(shorter, a.trace);
  CHECK_FALSE(prefix.identical);
  CHECK(prefix.first_difference_seq == 10);
  CHECK_THAT(prefix.report, Catch::Contains("(trace a ends here)"));
}

TEST_CASE("Header strings cannot close or comment out the HTML page's script block") {
  trace::Model model = test::fixture_model("traces/pipeline.trace");
  model.trace.header.replay = "x </script><script>alert(1)</script> <!-- y </SCRIPT";
  const std::string html = viewer::render_html(model);
  const std::size_t open = html.find("<script type=\"application/json\" id=\"geometry\">");
  REQUIRE(open != std::string::npos);
  const std::size_t body = html.find('>', open) + 1;
  const std::size_t close = html.find("</script>", body);
  const std::string json = html.substr(body, close - body);
  CHECK(json.find('<') == std::string::npos);
  CHECK(json.find("\\u003c/script>") != std::string::npos);
  CHECK(json.find("\\u003c!--") != std::string::npos);
  CHECK(occurrences(html, "<script") == 2);
}

TEST_CASE("A deadline near INT64_MAX means forever in the viewer and the export") {
  test::TraceText text;
  text.spawn(0, 1, 0);
  text.block(10, 1, runtime::BlockReason::msleep, 0, runtime::ObjectKind::none, INT64_MAX - 5);
  runtime::Event armed;
  armed.kind = runtime::EventKind::timer_set;
  armed.time_ns = 10;
  armed.coroutine = 1;
  armed.deadline_ms = INT64_MAX / 1000;
  text.event(armed);
  const trace::Model model = test::model_of(text.text());
  const std::string svg = viewer::render_svg(model);
  // No tick at "forever" (and so no deadline in the legend either).
  CHECK(occurrences(svg, "class=\"dl\" x1=") == 0);
  CHECK(occurrences(svg, "class=\"dl-missed\" x1=") == 0);
  CHECK(viewer::render_html(model).find("<svg") != std::string::npos);
  CHECK(trace::export_chrome(model).find("\"deadline_ms\": 9223372036854775802") != std::string::npos);
}

TEST_CASE("A streamed model draws the same pictures as a whole trace's, and thins only past its budget") {
  for (const char* name : {"bundle_cancel", "leaky", "nested_grace", "pipeline"}) {
    const std::string path = std::string(CANOPY_TRACE_TEST_DIR) + "/traces/" + name + ".trace";
    INFO(path);
    trace::ModelResult streamed = trace::read_model_file(path);
    REQUIRE(streamed.ok);
    CHECK(streamed.model.trace.events.empty());
    CHECK(streamed.model.thinned_marks == 0);
    const trace::Model whole = test::fixture_model(std::string("traces/") + name + ".trace");
    CHECK(streamed.model.event_count == whole.trace.events.size());
    CHECK(viewer::render_svg(streamed.model) == viewer::render_svg(whole));
    CHECK(viewer::render_html(streamed.model) == viewer::render_html(whole));
  }
  // One coroutine blocking 10,000 times under a budget of 1,000 marks: the
  // intervals are thinned, the cancelled call is kept.
  test::TraceText text;
  text.spawn(0, 1, 0, 0, "worker");
  std::int64_t t = 1;
  for (int i = 0; i < 10000; ++i, ++t) {
    text.block(t, 1, runtime::BlockReason::msleep);
    text.wake(t, 1, 0, i == 5000 ? ECANCELED : 0);
  }
  const trace::ParseResult parsed = trace::parse_trace(text.text());
  REQUIRE(parsed.ok);
  trace::ModelLimits limits;
  limits.marks_budget = 1000;
  const trace::Model thinned = trace::build_model(parsed.trace, limits);
  const trace::Coroutine& worker = thinned.coroutines.at(1);
  CHECK(worker.intervals.size() <= 500);
  CHECK(thinned.thinned_marks > 0);
  std::size_t cancelled = 0;
  for (const trace::StateInterval& interval : worker.intervals) cancelled += interval.wake_err == ECANCELED ? 1 : 0;
  CHECK(cancelled == 1);
  CHECK(trace::build_model(parsed.trace).coroutines.at(1).intervals.size() == 30001);
}
