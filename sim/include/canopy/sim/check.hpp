// One call that runs a body the ways a test should: fifo once, random and
// pct over many seeds, dfs up to a preemption bound; the first failure is
// shrunk and comes back with its replay line. Test frameworks wrap this
// (canopy/sim/catch.hpp for Catch2).
//
// The body runs many times: it must start from scratch each time (keep its
// state in locals of the body, not in variables captured by reference that
// survive between runs, unless it resets them).
//
// With CANOPY_REPLAY set in the environment, check() runs only that line:
// paste the line a failure printed to repeat exactly that run.
#pragma once

#include <cstdint>
#include <vector>

#include "canopy/sim/options.hpp"
#include "canopy/sim/outcome.hpp"
#include "canopy/sim/run.hpp"

namespace canopy::sim {

struct check_settings {
  /// Budgets, injection, jitter and strategy parameters for every run.
  options base{};
  /// Seeds per seeded strategy: first_seed .. first_seed + seeds - 1.
  std::uint64_t seeds = 50;
  std::uint64_t first_seed = 1;
  /// In this order; dfs explores up to base.dfs_preemption_bound with at
  /// most base.dfs_max_schedules schedules.
  std::vector<strategy> strategies{strategy::fifo, strategy::random, strategy::pct, strategy::dfs};
  /// Shrink the first failure before returning it.
  bool shrink = true;
};

/// Runs `body` per `settings`; the first failure (shrunk), or a passing
/// outcome whose report says how many runs passed.
outcome check_erased(const check_settings& settings, void (*body)(void*), void* context);
template <class F>
outcome check(const check_settings& settings, F&& body) {
  detail::body_ref<std::remove_reference_t<F>> r{body};
  return check_erased(settings, r.call, &r);
}

}  // namespace canopy::sim
