// Helpers shared by the simulator's tests.
#pragma once

#include <canopy/canopy.hpp>
#include <canopy/sim/run.hpp>

#include <string>
#include <vector>

namespace sim_test {

/// Virtual ms since the run started.
inline std::int64_t t() { return canopy::sim::elapsed_ms(); }

/// The event log a test compares against an exact expected list.
using log = std::vector<std::string>;

inline canopy::sim::options with(canopy::sim::strategy s, std::uint64_t seed = 1) {
  canopy::sim::options o;
  o.strategy = s;
  o.seed = seed;
  return o;
}

}  // namespace sim_test
