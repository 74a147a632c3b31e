// The first line of every trace: what produced it and how to replay it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace canopy::trace {

/// The value of the header's "format" key.
inline constexpr const char* format_name = "canopy-trace";
/// The format version this code writes and the only one it reads.
inline constexpr int format_version = 1;

/// Everything line 1 of a trace says. Times in a trace are integer
/// nanoseconds ("time_unit": "ns") on the clock named here.
struct Header {
  /// True when the run used the simulator's virtual clock ("sim"),
  /// false for the real monotonic clock ("real").
  bool clock_is_simulated = false;
  /// The simulator's seed; absent for real runs.
  std::optional<std::uint64_t> seed;
  /// The scheduling strategy ("fifo", "random", "pct", ...); absent if unknown.
  std::optional<std::string> strategy;
  /// The program's short name (what /proc/self/comm says).
  std::string program;
  /// The scenario name when the run was one of the documented scenarios.
  std::optional<std::string> scenario;
  /// A shell command line that reproduces the run, when there is one.
  std::optional<std::string> replay;
  /// False when a simulated run waited on a descriptor connected to the
  /// outside, so its replay may differ. Written as `true ` (padded) so the
  /// recorder can turn it into `false` in place when it learns that late.
  bool reproducible = true;

  friend bool operator==(const Header&, const Header&) = default;
};

}  // namespace canopy::trace
