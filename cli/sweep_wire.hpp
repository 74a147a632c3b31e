// What a sweep worker tells its parent: one line per finished run,
// "index\tpassed\tkind\treplay\treport\n", with \n, \t and \\ escaped
// inside the fields so that a report can hold any text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace canopy::cli {

/// How one run of a sweep ended, as its worker reported it.
struct SweepResult {
  bool done = false;    ///< a line arrived for this run
  bool passed = false;  ///< the run passed
  std::string kind;     ///< sim::to_string(failure_kind), or "worker-died"
  std::string report;   ///< the failure's report
  std::string replay;   ///< the run's replay line
};

/// A run that failed after a what-if injection has a report that begins
/// with this, then the injection, then a newline and what failed: the sweep,
/// its HTML report and its JSON report count such runs apart by it.
inline constexpr std::string_view whatif_prefix = "what-if: ";

/// The report of a run whose what-if injection was `whatif` (none when empty).
inline std::string report_after_whatif(const std::string& whatif, const std::string& report) {
  return whatif.empty() ? report : std::string(whatif_prefix) + whatif + "\n" + report;
}

/// Whether `result` is a failure after a what-if injection.
inline bool is_whatif(const SweepResult& result) {
  return !result.passed && std::string_view(result.report).substr(0, whatif_prefix.size()) == whatif_prefix;
}

/// The line (with its newline) that reports run `index`.
std::string encode_result(std::size_t index, const SweepResult& result);

/// Reads a line (without its newline) back: false when it is malformed or
/// its index is not below `count`.
bool decode_result(std::string_view line, std::size_t count, std::size_t& index, SweepResult& result);

}  // namespace canopy::cli
