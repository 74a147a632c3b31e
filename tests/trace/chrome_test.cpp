#include <map>
#include <set>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "canopy/trace/chrome.hpp"
#include "support.hpp"

using namespace canopy;
using nlohmann::json;

namespace {

struct Slice {
  double begin;
  double end;
  std::string name;
};

json exported(const std::string& fixture, bool event_order = false) {
  trace::ChromeOptions options;
  options.event_order_axis = event_order;
  const std::string text = trace::export_chrome(test::fixture_model(fixture), options);
  json root = json::parse(text, nullptr, false);
  REQUIRE_FALSE(root.is_discarded());
  return root;
}

}  // namespace

TEST_CASE("The Chrome export names one track per coroutine, sorted depth-first") {
  const json root = exported("traces/leaky.trace");
  REQUIRE(root.contains("traceEvents"));
  std::map<int, std::string> names;
  std::map<int, int> sort_index;
  for (const json& event : root["traceEvents"]) {
    if (event["ph"] != "M") continue;
    if (event["name"] == "thread_name") names[event["tid"].get<int>()] = event["args"]["name"];
    if (event["name"] == "thread_sort_index") sort_index[event["tid"].get<int>()] = event["args"]["sort_index"];
  }
  CHECK(names.size() == 4);
  CHECK(names[2] == "co 1 parent_task (leaky.c:10)");
  // Depth-first: main, parent_task, then its children in spawn order.
  CHECK(sort_index[1] == 0);
  CHECK(sort_index[2] == 1);
  CHECK(sort_index[3] == 2);
  CHECK(sort_index[4] == 3);
}

TEST_CASE("The Chrome export nests state slices inside each lifetime slice") {
  for (bool event_order : {false, true}) {
    const json root = exported("traces/bundle_cancel.trace", event_order);
    std::map<int, std::vector<Slice>> by_track;
    for (const json& event : root["traceEvents"]) {
      if (event["ph"] != "X") continue;
      const double begin = event["ts"].get<double>();
      by_track[event["tid"].get<int>()].push_back({begin, begin + event["dur"].get<double>(), event["name"]});
    }
    REQUIRE(by_track.size() == 4);
    for (const auto& [tid, slices] : by_track) {
      INFO("track " << tid << ", event order axis " << event_order);
      // The first slice on a track is its lifetime and encloses the rest.
      REQUIRE_FALSE(slices.empty());
      CHECK_THAT(slices[0].name, Catch::StartsWith("co "));
      for (const Slice& slice : slices) {
        CHECK(slice.begin >= slices[0].begin);
        CHECK(slice.end <= slices[0].end + 1e-9);
      }
      // Any two slices either nest or do not overlap.
      for (std::size_t i = 0; i < slices.size(); ++i) {
        for (std::size_t j = i + 1; j < slices.size(); ++j) {
          const Slice& a = slices[i];
          const Slice& b = slices[j];
          const bool disjoint = a.end <= b.begin || b.end <= a.begin;
          const bool nested = (a.begin <= b.begin && b.end <= a.end) || (b.begin <= a.begin && a.end <= b.end);
          CHECK((disjoint || nested));
        }
      }
    }
    bool has_grace = false;
    bool has_blocked = false;
    for (const auto& [tid, slices] : by_track) {
      for (const Slice& slice : slices) {
        has_grace = has_grace || slice.name == "grace";
        has_blocked = has_blocked || slice.name == "blocked: chrecv channel 2";
      }
    }
    CHECK(has_grace);
    CHECK(has_blocked);
  }
}

TEST_CASE("Every Chrome flow start has exactly one finish bound to a slice") {
  const json root = exported("traces/pipeline.trace");
  std::map<std::uint64_t, int> starts;
  std::map<std::uint64_t, int> finishes;
  std::set<std::string> flow_names;
  for (const json& event : root["traceEvents"]) {
    if (event["ph"] == "s") ++starts[event["id"].get<std::uint64_t>()];
    if (event["ph"] == "f") {
      ++finishes[event["id"].get<std::uint64_t>()];
      CHECK(event["bp"] == "e");
    }
    if (event["ph"] == "s") flow_names.insert(event["name"].get<std::string>());
  }
  CHECK(starts == finishes);
  for (const auto& [id, n] : starts) CHECK(n == 1);
  CHECK(flow_names == std::set<std::string>{"message", "spawn", "wake"});
  const json cancelled = exported("traces/bundle_cancel.trace");
  int cancels = 0;
  for (const json& event : cancelled["traceEvents"]) cancels += event["ph"] == "s" && event["name"] == "cancel";
  CHECK(cancels == 2);
}

TEST_CASE("The Chrome export is byte-identical for the same trace") {
  const trace::Model model = test::fixture_model("traces/bundle_cancel.trace");
  CHECK(trace::export_chrome(model) == trace::export_chrome(model));
}

TEST_CASE("The Chrome export marks how the run ended with one process-wide instant") {
  test::TraceText text;
  text.spawn(0, 1, 0);
  const std::string with_end = text.text() +
                               "{\"seq\":1,\"t\":5,\"co\":0,\"kind\":\"end\",\"how\":\"deadlock\",\"status\":3,"
                               "\"signal\":null,\"report\":\"deadlock: every coroutine is blocked\"}\n";
  const json root = json::parse(trace::export_chrome(test::model_of(with_end)));
  std::vector<json> ends;
  for (const json& event : root["traceEvents"]) {
    if (event.value("cat", "") == "end") ends.push_back(event);
  }
  REQUIRE(ends.size() == 1);
  CHECK(ends[0]["ph"] == "i");
  CHECK(ends[0]["s"] == "p");
  CHECK(ends[0]["name"] == "run ended: deadlock, exit status 3: deadlock: every coroutine is blocked");
  CHECK(ends[0]["args"]["status"] == 3);
  const json plain = json::parse(trace::export_chrome(test::model_of(text.text())));
  for (const json& event : plain["traceEvents"]) CHECK(event.value("cat", "") != "end");
}
