#include "canopy/viewer/diff.hpp"

#include <algorithm>

namespace canopy::viewer {
namespace {

std::string header_differences(const trace::Header& a, const trace::Header& b) {
  std::string notes;
  auto note = [&](const char* field, const std::string& left, const std::string& right) {
    if (left != right) {
      notes += std::string("note: headers differ in ") + field + ": " + trace::printable(left) + " vs " +
               trace::printable(right) + "\n";
    }
  };
  auto text = [](const std::optional<std::string>& value) { return value ? *value : std::string("null"); };
  note("clock", a.clock_is_simulated ? "sim" : "real", b.clock_is_simulated ? "sim" : "real");
  note("seed", a.seed ? std::to_string(*a.seed) : "null", b.seed ? std::to_string(*b.seed) : "null");
  note("strategy", text(a.strategy), text(b.strategy));
  note("program", a.program, b.program);
  note("scenario", text(a.scenario), text(b.scenario));
  return notes;
}

}  // namespace

DiffResult diff(const trace::Trace& a, const trace::Trace& b) {
  DiffResult result;
  const std::string notes = header_differences(a.header, b.header);
  const std::size_t common = std::min(a.events.size(), b.events.size());
  std::size_t i = 0;
  std::string line_a;
  std::string line_b;
  for (; i < common; ++i) {
    line_a = trace::canonical_line(a.events[i]);
    line_b = trace::canonical_line(b.events[i]);
    if (line_a != line_b) break;
  }
  if (i == common && a.events.size() == b.events.size()) {
    if (a.end == b.end) {
      result.report = notes + "identical: both traces have the same " + std::to_string(a.events.size()) + " events" +
                      (a.end ? " and end the same way" : "") + "\n";
      return result;
    }
    // The same events, then a different ending.
    auto end_line = [](const std::optional<trace::TraceEnd>& end) {
      return end ? trace::canonical_line(*end) : std::string("(no end line)");
    };
    result.identical = false;
    result.first_difference_seq = i;
    result.report = notes + "the traces have the same " + std::to_string(i) + " events but end differently\n" +
                    "  a: " + end_line(a.end) + "\n  b: " + end_line(b.end) + "\n";
    return result;
  }
  result.identical = false;
  result.first_difference_seq = i;
  std::string report = notes + "the traces diverge at seq " + std::to_string(i) + " (line " +
                       std::to_string(i + 2) + "), after " + std::to_string(i) + " identical events\n";
  if (i > 0) report += "  last common: " + trace::canonical_line(a.events[i - 1]) + "\n";
  report += "  a: " + (i < a.events.size() ? trace::canonical_line(a.events[i]) : std::string("(trace a ends here)")) + "\n";
  report += "  b: " + (i < b.events.size() ? trace::canonical_line(b.events[i]) : std::string("(trace b ends here)")) + "\n";
  result.report = report;
  return result;
}

}  // namespace canopy::viewer
