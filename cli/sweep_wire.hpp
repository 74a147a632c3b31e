// What a sweep worker tells its parent: one line per finished run,
// "index\tpassed\tkind\twhatif\treplay\treport\n", with \n, \t and \\ escaped
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
  /// The what-if injection the run made (sim::outcome::whatif), empty when
  /// none: a failure after one is not a real execution, and the sweep, its
  /// HTML report and its JSON report count such runs apart.
  std::string whatif;
  std::string report;   ///< the failure's report
  std::string replay;   ///< the run's replay line
};

/// Whether `result` is a failure after a what-if injection.
inline bool is_whatif(const SweepResult& result) { return !result.passed && !result.whatif.empty(); }

/// The line (with its newline) that reports run `index`.
std::string encode_result(std::size_t index, const SweepResult& result);

/// Reads a line (without its newline) back: false when it is malformed or
/// its index is not below `count`.
bool decode_result(std::string_view line, std::size_t count, std::size_t& index, SweepResult& result);

}  // namespace canopy::cli
