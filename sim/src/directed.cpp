// Directed cancellation (options::directed_cancel, CANOPY_INJECT=cancel):
// a search over realizable executions for the ones where a program's own
// closes land at different points of their targets' progress.
//
// A close lands wherever its target happens to be when the closer gets to
// it: an owner's hclose after its own work, a bundle's grace deadline, an
// outer grace period cutting an inner one short. Which blocking call of the
// target that is depends only on how fast the two progress relative to each
// other. So each seed gives every coroutine a speed profile of its own: how
// often its steps are slow and by how much (a busy or preempted CPU), and
// how late its timers fire, as a share of what they wait (a loaded machine).
// A slow target is closed earlier in its progress; a closer whose timers are
// late, later. Over seeds, the profiles sweep the relative timings, and the
// coverage report (coverage.cpp) shows which blocking calls a close reached
// and which none did. Nothing is injected: every ECANCELED comes from a real
// close, so a correct program is never flagged.
#include <algorithm>

#include "simulation.hpp"

namespace canopy::sim::detail {

namespace {
/// Profiles are drawn from these: a coroutine is slow on one step in
/// `slow_one_in` (0: never), by 1..`slow_max_ms` ms; its timers are late by
/// up to `late_percent` of their wait.
/// Bounded like jitter and slow steps: a loaded machine, not a stopped one,
/// so that a deadline a correct program states with tens of ms to spare is
/// not broken by the search itself.
constexpr int slow_one_in_choices[] = {0, 0, 2, 4, 8};
constexpr int slow_max_ms_limit = 20;
constexpr int late_percent_choices[] = {0, 0, 25, 50, 100, 200};
constexpr std::int64_t max_late_ms = 20;
/// A limit on the profiles kept: coroutines past it share the last one.
constexpr std::size_t max_profiles = std::size_t{1} << 20;

template <class T, std::size_t N>
T choose(Rng& rng, const T (&choices)[N]) {
  return choices[rng.below(N)];
}
}  // namespace

// Slow steps and lateness draw from streams of their own, and a profile
// depends only on the seed and the coroutine: a replay that plans the slow
// steps exactly (shrinking) still sees the same late timers.
SimDirector::SimDirector(Simulation& sim) : sim_(sim) {}

SimDirector::Profile& SimDirector::profile(std::uint64_t id) {
  std::size_t index = id < max_profiles ? static_cast<std::size_t>(id) : max_profiles - 1;
  if (index >= profiles_.size()) profiles_.resize(index + 1);
  Profile& p = profiles_[index];
  if (!p.drawn) {
    p.drawn = true;
    Rng draw = sim_.choices().coroutine_stream(id, stream::directed);
    p.slow_one_in = choose(draw, slow_one_in_choices);
    p.slow_max_ms = 1 + static_cast<int>(draw.below(slow_max_ms_limit));
    p.late_percent = choose(draw, late_percent_choices);
  }
  return p;
}

int SimDirector::slow_ms(std::uint64_t id) {
  if (!sim_.opts().directed_cancel) return 0;
  Profile& p = profile(id);
  ChoiceSource& choices = sim_.choices();
  if (p.slow_one_in == 0 || choices.below(stream::directed_slow, static_cast<std::uint64_t>(p.slow_one_in)) != 0)
    return 0;
  return 1 + static_cast<int>(choices.below(stream::directed_slow, static_cast<std::uint64_t>(p.slow_max_ms)));
}

std::int64_t SimDirector::lateness_ms(std::uint64_t id, std::int64_t wait_ms) {
  if (!sim_.opts().directed_cancel || wait_ms <= 0) return 0;
  Profile& p = profile(id);
  if (p.late_percent == 0) return 0;
  // Bounded, so that a deadline of a year stays a deadline of about a year.
  std::int64_t bound = std::min<std::int64_t>(std::min<std::int64_t>(wait_ms, std::int64_t{1} << 40) * p.late_percent / 100,
                                             max_late_ms);
  return static_cast<std::int64_t>(sim_.choices().below(stream::directed_late, static_cast<std::uint64_t>(bound) + 1));
}

}  // namespace canopy::sim::detail
