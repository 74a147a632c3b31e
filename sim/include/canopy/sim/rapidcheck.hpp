// RapidCheck support: make the schedule part of the generated input, so that
// a failing property shrinks the workload and the schedule together.
//
//   rc::check("every message arrives once", [](std::vector<int> delays_ms) {
//     auto schedule = *canopy::sim::gen::schedule();
//     auto result = canopy::sim::run_schedule(schedule, [&] { ...uses delays_ms... });
//     RC_ASSERT(result.passed);
//   });
//
// The schedule is a list of decisions; decision i is taken modulo the number
// of coroutines ready at the i-th step where more than one is, and past the
// end of the list the run is fifo. RapidCheck shrinks the list towards
// fewer, smaller values: towards fifo.
#pragma once

#include <rapidcheck.h>

#include <vector>

#include "canopy/sim/run.hpp"

namespace canopy::sim {

/// Runs `body` once with the decision list `schedule` (strategy replay) and
/// `base`'s other settings.
template <class F>
outcome run_schedule(const std::vector<int>& schedule, F&& body, options base = {}) {
  base.strategy = strategy::replay;
  base.decisions.clear();
  for (int d : schedule) base.decisions.push_back(static_cast<std::uint32_t>(d < 0 ? -d : d));
  return run(base, std::forward<F>(body));
}

namespace gen {
/// Decision lists: up to `max_length` decisions, each below `max_choice`.
inline rc::Gen<std::vector<int>> schedule(int max_length = 64, int max_choice = 8) {
  return rc::gen::resize(max_length, rc::gen::container<std::vector<int>>(rc::gen::inRange(0, max_choice)));
}
}  // namespace gen

}  // namespace canopy::sim
