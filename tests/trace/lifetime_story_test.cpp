// The lifetime diagram tells the seed documents' story: grace periods on
// the granting coroutine's lane, the revoked part, cancellation arrows to
// the ECANCELED they caused, exits, connections, and the diff page.
#include <cerrno>
#include <regex>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "canopy/viewer/diff.hpp"
#include "canopy/viewer/render.hpp"
#include "support.hpp"

using namespace canopy;

namespace {

// The opening tags in `markup` that carry every one of `attributes`.
std::vector<std::string> elements_with(const std::string& markup, const std::vector<std::string>& attributes) {
  std::vector<std::string> found;
  static const std::regex tag("<(rect|line|path|circle|text)\\b[^>]*>");
  for (auto it = std::sregex_iterator(markup.begin(), markup.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string element = it->str();
    bool all = true;
    for (const std::string& attribute : attributes) all = all && element.find(attribute) != std::string::npos;
    if (all) found.push_back(element);
  }
  return found;
}

// The nested-grace-periods scenario, run under the simulator (fifo, seed 1):
// main gives foo 500 ms from 161 ms; foo gives bar 1000 ms at the same
// instant; main's runs out at 661 ms and cuts foo's short.
trace::Model nested_grace() { return test::fixture_model("traces/nested_grace.trace"); }

runtime::Event net_event(runtime::EventKind kind, std::int64_t t, runtime::CoroutineId co, std::uint64_t socket,
                         std::uint64_t peer_socket) {
  runtime::Event event;
  event.kind = kind;
  event.time_ns = t;
  event.coroutine = co;
  event.object = socket;
  event.other_object = peer_socket;
  return event;
}

// A server (coroutine 1, socket 11) that accepted at 5 ns the connection
// its client (coroutine 2, socket 10) made at 6 ns.
test::TraceText server_and_client_connected() {
  test::TraceText text;
  text.spawn(0, 1, 0, 0, "server");
  text.spawn(0, 2, 0, 0, "client");
  text.event(net_event(runtime::EventKind::net_accept, 5, 1, 11, 10));
  text.event(net_event(runtime::EventKind::net_connect, 6, 2, 10, 11));
  return text;
}

}  // namespace

TEST_CASE("The model records each grace period its granter began, how it ended, and whether it was revoked") {
  const trace::Model model = nested_grace();
  const trace::Coroutine& main = model.coroutines.at(0);
  const trace::Coroutine& foo = model.coroutines.at(1);
  REQUIRE(main.grace_periods.size() == 1);
  REQUIRE(foo.grace_periods.size() == 1);
  CHECK(main.grace_periods[0].begin_seq == 13);
  CHECK(main.grace_periods[0].deadline_ms == 1000661);
  CHECK(main.grace_periods[0].end_seq == 20);
  CHECK(main.grace_periods[0].end_err == ETIMEDOUT);
  CHECK_FALSE(main.grace_periods[0].revoked());
  CHECK(foo.grace_periods[0].begin_seq == 16);
  CHECK(foo.grace_periods[0].deadline_ms == 1001161);
  CHECK(foo.grace_periods[0].end_seq == 25);
  CHECK(foo.grace_periods[0].end_err == ECANCELED);
  CHECK(foo.grace_periods[0].revoked());
  CHECK(model.coroutines.at(2).grace_periods.empty());
}

TEST_CASE("Nested grace periods: shaded on each granter's lane, the cut-short part revoked, at exact virtual times") {
  const std::string html = viewer::render_html(nested_grace());
  // Times are nanoseconds since the first event; seqs are the trace's.
  CHECK(elements_with(html, {"data-kind=\"grace\"", "data-co=\"0\"", "data-a0=\"161000000\"", "data-a1=\"661000000\"",
                             "<rect"}).size() == 1);
  CHECK(elements_with(html, {"data-kind=\"grace\"", "data-co=\"1\"", "data-a0=\"161000000\"", "data-a1=\"661000000\"",
                             "<rect"}).size() == 1);
  const auto revoked = elements_with(html, {"data-kind=\"grace-revoked\"", "<rect"});
  REQUIRE(revoked.size() == 1);
  CHECK(revoked[0].find("data-co=\"1\"") != std::string::npos);
  CHECK(revoked[0].find("data-a0=\"661000000\" data-a1=\"1161000000\"") != std::string::npos);
  // Nothing of bar's (it granted no grace period).
  CHECK(elements_with(html, {"data-kind=\"grace\"", "data-co=\"2\""}).empty());
}

TEST_CASE("Each cancellation is an arrow from the closer to the ECANCELED it caused") {
  const std::string html = viewer::render_html(nested_grace());
  const auto main_cancels_foo = elements_with(html, {"data-kind=\"cancel\"", "data-co=\"1\"", "data-by=\"0\""});
  REQUIRE(main_cancels_foo.size() == 1);
  CHECK(main_cancels_foo[0].find("data-a0=\"661000000\" data-a1=\"661000000\" data-s0=\"21\" data-s1=\"23\"") !=
        std::string::npos);
  CHECK(main_cancels_foo[0].find("marker-end=") != std::string::npos);
  const auto foo_cancels_bar = elements_with(html, {"data-kind=\"cancel\"", "data-co=\"2\"", "data-by=\"1\""});
  REQUIRE(foo_cancels_bar.size() == 1);
  CHECK(foo_cancels_bar[0].find("data-s0=\"26\" data-s1=\"28\"") != std::string::npos);
  CHECK(elements_with(html, {"data-kind=\"ecanceled\"", "data-co=\"1\"", "data-a0=\"661000000\"", "data-s0=\"23\""})
            .size() == 1);
  CHECK(elements_with(html, {"data-kind=\"ecanceled\"", "data-co=\"2\"", "data-s0=\"28\""}).size() == 1);
  CHECK(elements_with(html, {"data-kind=\"exit\"", "data-co=\"2\"", "data-result=\"cancelled\"", "data-s0=\"30\""})
            .size() == 1);
  CHECK(elements_with(html, {"data-kind=\"exit\"", "data-co=\"1\"", "data-result=\"cancelled\"", "data-s0=\"34\""})
            .size() == 1);
  CHECK(elements_with(html, {"data-kind=\"end\"", "data-how=\"returned\"", "data-s0=\"38\""}).size() == 1);
}

TEST_CASE("The chart reaches past the run's end to show what a revoked grace period took away") {
  const std::string svg = viewer::render_svg(nested_grace());
  // 1161 ms (foo's deadline) plus the end margin: the axis labels reach 1200.
  CHECK(svg.find(">1200</text>") != std::string::npos);
  CHECK(svg.find("cut short: 500 ms revoked") != std::string::npos);
  // A sleep reaching its deadline is not a missed deadline; main's grace running out is.
  CHECK(elements_with(svg, {"data-kind=\"deadline\"", "data-missed=\"1\"", "data-co=\"0\""}).size() == 1);
  CHECK(elements_with(svg, {"data-kind=\"deadline\"", "data-co=\"2\""}).empty());
}

TEST_CASE("Every element drawn in the chart says what it is") {
  const std::string svg = viewer::render_svg(nested_grace());
  const std::string chart = svg.substr(0, svg.find("<g class=\"legend\""));
  static const std::regex tag("<(rect|line|path|circle)\\b[^>]*>");
  std::size_t drawn = 0;
  for (auto it = std::sregex_iterator(chart.begin(), chart.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string element = it->str();
    const bool frame = element.find("class=\"tick\"") != std::string::npos ||
                       element.find("class=\"axis-line\"") != std::string::npos ||
                       element.find("class=\"background\"") != std::string::npos ||
                       element.find("class=\"chart-clip-rect\"") != std::string::npos ||
                       element.find("<rect width=\"6\"") != std::string::npos ||  // the hatch pattern
                       element.find("<line x1=\"0\"") != std::string::npos ||
                       element.find("<path d=\"M0,0 L10,5") != std::string::npos;  // the arrowhead
    if (frame) continue;
    ++drawn;
    INFO(element);
    CHECK(element.find("data-kind=\"") != std::string::npos);
  }
  CHECK(drawn > 20);
}

TEST_CASE("Connections link the coroutines owning their ends; resets and closes are marked") {
  test::TraceText text = server_and_client_connected();
  runtime::Event reset = net_event(runtime::EventKind::net_reset, 9, 2, 10, 11);
  reset.err = ECONNRESET;
  text.event(reset);
  runtime::Event close = net_event(runtime::EventKind::net_close, 10, 1, 11, 0);
  close.bytes = 40;
  close.bytes_received = 12;
  text.event(close);
  const trace::Model model = test::model_of(text.text());
  REQUIRE(model.connections.size() == 1);
  CHECK(model.connections[0].client == 2);
  CHECK(model.connections[0].server == 1);
  CHECK(model.connections[0].client_socket == 10);
  CHECK(model.connections[0].server_socket == 11);
  CHECK(model.connections[0].reset);
  CHECK(model.connections[0].reset_seq == 4);
  const std::string html = viewer::render_html(model);
  const auto links = elements_with(html, {"data-kind=\"connection\"", "data-link=\"1\""});
  REQUIRE(links.size() == 1);
  CHECK(links[0].find("data-co=\"2\"") != std::string::npos);
  CHECK(links[0].find("data-server=\"1\"") != std::string::npos);
  CHECK(links[0].find("data-reset=\"1\"") != std::string::npos);
  CHECK(elements_with(html, {"data-kind=\"connection\"", "data-net=\"reset\"", "data-co=\"2\"", "data-s0=\"4\""}).size() ==
        1);
  CHECK(elements_with(html, {"data-kind=\"connection\"", "data-net=\"close\"", "data-co=\"1\""}).size() == 1);
  CHECK(html.find("sent 40 bytes, received 12") != std::string::npos);
}

TEST_CASE("Network messages are ticks on the writer's lane; a partition is a span until it heals") {
  test::TraceText text = server_and_client_connected();
  runtime::Event send = net_event(runtime::EventKind::net_send, 2000000, 2, 10, 11);
  send.bytes = 21;
  text.event(send);
  runtime::Event partition = net_event(runtime::EventKind::net_partition, 3000000, 2, 10, 11);
  partition.deadline_ms = 8;  // heals at 8 ms
  text.event(partition);
  runtime::Event late = net_event(runtime::EventKind::net_send, 9000000, 2, 10, 11);
  late.bytes = 5;
  text.event(late);
  const trace::Model model = test::model_of(text.text());
  REQUIRE(model.connections.size() == 1);
  CHECK(model.connections[0].sends == 2);
  CHECK(model.connections[0].partitions == 1);
  const std::string html = viewer::render_html(model);
  CHECK(elements_with(html, {"data-kind=\"message\"", "data-net=\"send\"", "data-co=\"2\"", "data-bytes=\"21\"",
                             "data-socket=\"10\"", "data-peer-socket=\"11\"", "data-s0=\"4\""})
            .size() == 1);
  CHECK(elements_with(html, {"data-kind=\"message\"", "data-net=\"send\"", "data-bytes=\"5\""}).size() == 1);
  // From the write that partitioned it (3 ms, seq 5) to its healing (8 ms).
  CHECK(elements_with(html, {"data-kind=\"partition\"", "data-co=\"2\"", "data-a0=\"3000000\" data-a1=\"8000000\"",
                             "data-s0=\"5\""})
            .size() == 1);
  CHECK(elements_with(html, {"data-kind=\"connection\"", "data-link=\"1\"", "data-partitioned=\"1\""}).size() == 1);
  const std::string svg = viewer::render_svg(model);
  CHECK(svg.find("partitioned") != std::string::npos);  // the legend
  CHECK(svg.find("bytes sent") != std::string::npos);
  // The lines read back as they were written.
  const trace::ParseResult parsed = trace::parse_trace(text.text());
  REQUIRE(parsed.ok);
  CHECK(trace::canonical_line(parsed.trace.events[5]).find("\"kind\":\"net_partition\",\"socket\":10,"
                                                           "\"peer_socket\":11,\"until_ms\":8") != std::string::npos);
  CHECK(trace::canonical_line(parsed.trace.events[4]).find("\"kind\":\"net_send\",\"socket\":10,"
                                                           "\"peer_socket\":11,\"bytes\":21") != std::string::npos);
}

TEST_CASE("Messages are ticks on the receiving lane") {
  const std::string html = viewer::render_html(test::fixture_model("traces/bundle_cancel.trace"));
  // co 3 sent co 1 one message at seq 10-11.
  CHECK(elements_with(html, {"data-kind=\"message\"", "data-co=\"1\"", "data-from=\"3\"", "data-s0=\"11\""}).size() == 1);
}

TEST_CASE("The diff page aligns both runs on the event axis and marks their first divergence") {
  const trace::Model a = nested_grace();
  trace::Trace changed = a.trace;
  changed.events[19].event.err = 0;
  const viewer::DiffResult result = viewer::diff(a.trace, changed);
  REQUIRE_FALSE(result.identical);
  const std::string page = viewer::render_diff_html(a, trace::build_model(changed), result);
  CHECK(elements_with(page, {"id=\"a-divergence\"", "data-kind=\"divergence\"", "data-seq=\"19\""}).size() == 1);
  CHECK(elements_with(page, {"id=\"b-divergence\"", "data-kind=\"divergence\"", "data-seq=\"19\""}).size() == 1);
  CHECK(page.find("the runs diverge at seq 19") != std::string::npos);
  CHECK(page.find("<tr class=\"first\"><td>19</td>") != std::string::npos);
  CHECK(page.find("<tr class=\"common\"><td>18</td>") != std::string::npos);
  CHECK(page == viewer::render_diff_html(a, trace::build_model(changed), result));
  const std::string same = viewer::render_diff_html(a, a, viewer::diff(a.trace, a.trace));
  CHECK(same.find("the runs are identical") != std::string::npos);
  CHECK(same.find("data-kind=\"divergence\"") == std::string::npos);
}
