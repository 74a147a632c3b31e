// The worker processes of a sweep: each runs its share of the items and
// reports each result over a pipe (sweep_wire.hpp); the parent collects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "canopy/scenarios/scenario.h"
#include "canopy/sim/options.hpp"
#include "sweep_wire.hpp"

namespace canopy::cli {

/// One run of a sweep: a scenario and a seed.
struct SweepItem {
  const scenario* sc;
  std::uint64_t seed;
};

/// What the pool brought back.
struct PoolResult {
  std::vector<SweepResult> results;  ///< parallel to the items
  bool workers_ok = true;            ///< every worker exited 0
  std::string error;                 ///< set when the pool could not start
};

/// Runs `items` under `base` (the seed replaced by each item's) in `jobs`
/// forked workers, worker w taking items w, w + jobs, ... A progress line
/// goes to stderr when it is a terminal. With `coverage_path`, each worker
/// adds the cancellation coverage of its runs (base.coverage) to that file. Items no worker reported (it died)
/// come back with done == false.
PoolResult run_pool(const std::vector<SweepItem>& items, const sim::options& base, std::size_t jobs,
                    const std::string& coverage_path = {});

}  // namespace canopy::cli
