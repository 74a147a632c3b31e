// The simulated Policy: every scheduling step passes through pick(), so this
// is where steps are counted, the livelock budget is enforced and the
// decisions that make a replay line are recorded.
#include <cerrno>

#include "simulation.hpp"

namespace canopy::sim::detail {

namespace {
/// Decisions kept for replay and shrinking; a run longer than this is
/// replayed from its seed instead.
constexpr std::size_t max_recorded_decisions = std::size_t{1} << 24;

/// fifo and dfs keep the real runtime's timer order (arrival), so that fifo
/// is exactly the real schedule and dfs counts only picks; the others draw
/// equal-deadline order from the seed.
bool seeded_timers(strategy s) { return s == strategy::random || s == strategy::pct || s == strategy::replay; }
}  // namespace

SimPolicy::SimPolicy(Simulation& sim)
    : sim_(sim), strategy_(make_strategy(sim.opts())), timers_(sim.opts().seed, stream::timers),
      jitter_(sim.opts().seed, stream::jitter) {}

std::size_t SimPolicy::pick(const runtime::ReadyView& ready) {
  std::uint64_t step = ++sim_.stats.steps;
  std::uint64_t budget = sim_.opts().max_steps;
  if (budget != 0 && step > budget) {
    sim_.fail(failure_kind::step_budget,
              "step budget exceeded: " + std::to_string(budget) +
                  " scheduling steps without finishing (a livelock: coroutines keep yielding or "
                  "waking each other without progress); raise options::max_steps / "
                  "CANOPY_MAX_STEPS if the run is just long");
  }
  std::size_t index = 0;
  if (ready.size() > 1) {
    index = sim_.fuzz.active() ? static_cast<std::size_t>(sim_.fuzz.below(ready.size()))
                               : strategy_->choose(ready, sim_.stats.decisions);
    ++sim_.stats.decisions;
    if (sim_.decisions.size() < max_recorded_decisions) {
      sim_.decisions.push_back(static_cast<std::uint32_t>(index));
      if (sim_.opts().strategy == strategy::dfs) {
        sim_.decision_sizes.push_back(static_cast<std::uint32_t>(ready.size()));
      }
    }
  }
  strategy_->step(step, ready.id(index));
  return index;
}

std::uint64_t SimPolicy::timer_tiebreak(std::uint64_t arrival) {
  if (!seeded_timers(sim_.opts().strategy)) return arrival;
  // Random high bits order the timers; the arrival in the low bits keeps
  // keys distinct, so the heap never has to break a tie on its own.
  return (timers_.next() << 24) | (arrival & 0xFFFFFF);
}

std::int64_t SimPolicy::timer_lateness_ms(std::int64_t) {
  int bound = sim_.opts().jitter_ms;
  if (bound <= 0) return 0;
  return static_cast<std::int64_t>(jitter_.below(static_cast<std::uint64_t>(bound) + 1));
}

}  // namespace canopy::sim::detail
