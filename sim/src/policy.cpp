// The simulated Policy: every scheduling step passes through pick(), so this
// is where steps are counted, the livelock budget is enforced and the
// decisions that make a replay line are recorded.
#include <algorithm>
#include <cassert>
#include <cerrno>

#include "canopy/runtime/embedding.hpp"
#include "pct.hpp"
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

/// Steps take time on a real machine. A program whose coroutines stay ready
/// while they wait for time to pass (a loop of yield() reading now(), two
/// coroutines passing a message back and forth until a deadline) would
/// otherwise stop virtual time for ever, since time moves only when every
/// coroutine is blocked. So after this many scheduling steps in a row at
/// the same virtual time, time moves one ms: every step is taken to cost at
/// least 1/4096 ms (about 250 ns, a context switch and a little work). The
/// bursts of the documented scenarios (a thousand children spawned or
/// cancelled at one instant) stay below it, so their exact times hold.
/// Timers that expire then fire at the scheduler's next poll, as on the
/// real runtime.
constexpr std::uint32_t steps_per_tick = 4096;

/// The real runtime is fair (FIFO): no ready coroutine waits for ever. So a
/// coroutine ready for this many decisions (plus twice the number ready)
/// without being picked runs next, whatever the strategy would pick. Without
/// this, pct's strict priorities would report a correct busy-wait (a
/// coroutine yielding until another makes progress) as a livelock.
constexpr std::uint32_t fairness_bound_decisions = 1000;

/// A preempted process loses the CPU now and then, not at every step: after
/// a slow step, the next one waits until virtual time has moved this much
/// further. So a burst of a thousand steps at one instant costs at most one
/// slow step, as it would on a loaded machine, and no mode adds more than a
/// few tens of ms to a deadline.
constexpr std::int64_t slow_step_gap_ms = 100;

/// The fairness probe's position, decision % size: a power of two masks and
/// a small decision count divides in 32 bits, which costs a fraction of a
/// 64-bit division; the value is the same.
inline std::size_t probe_position(std::uint64_t decision, std::size_t size) {
  if ((size & (size - 1)) == 0) return static_cast<std::size_t>(decision & (size - 1));
  if (decision <= UINT32_MAX && size <= UINT32_MAX)
    return static_cast<std::uint32_t>(decision) % static_cast<std::uint32_t>(size);
  return static_cast<std::size_t>(decision % size);
}

/// The fairness bound's pick, out of line so that the compiler keeps the
/// test a branch (see decide).
[[gnu::noinline]] std::size_t starving(std::size_t probe) {
  asm volatile("");
  return probe;
}

}  // namespace

SimPolicy::SimPolicy(Simulation& sim)
    : sim_(sim), strategy_(make_strategy(sim.opts(), sim.choices())) {
  const options& o = sim.opts();
  strategy_counts_steps_ = strategy_->counts_steps();
  slow_steps_on_ = o.slow_steps.has_value() || o.slow_ms > 0 || o.directed_cancel;
  record_sizes_ = o.strategy == strategy::dfs;
  tracks_fairness_ = o.strategy != strategy::fifo;
  if (strategy_->draws_decisions()) {
    drawn_ = &sim.choices();
    if (Rng* stream = drawn_->decision_stream()) drawn_stream_ = DrawAhead(*stream);
  }
  max_steps_ = o.max_steps;
  step_limit_ = max_steps_ != 0 ? max_steps_ : UINT64_MAX;
  after_pick_on_ = strategy_counts_steps_ || slow_steps_on_;
  quick_fair_ = drawn_stream_.on() && !after_pick_on_;
  pct_ = dynamic_cast<Pct*>(strategy_.get());
  quick_pct_ = pct_ != nullptr && !slow_steps_on_;
  quick_records_left_ = record_sizes_ ? 0 : max_recorded_decisions;
}

std::uint64_t& SimPolicy::grow_ready_since(std::uint64_t id) {
  // Ids are small sequence numbers; past the limit, coroutines share a slot.
  std::size_t slot = id < (std::size_t{1} << 24) ? static_cast<std::size_t>(id) : (std::size_t{1} << 24) - 1;
  if (slot >= ready_since_.size()) {
    ready_since_.resize(slot + 1, sim_.stats.decisions);
    ready_since_data_ = ready_since_.data();
    ready_since_size_ = ready_since_.size();
  }
  return ready_since_[slot];
}

void SimPolicy::take_slow_step(std::uint64_t step, std::uint64_t picked_id) {
  const options& o = sim_.opts();
  int slow = 0;
  if (o.slow_steps) {
    const std::vector<slow_step>& plan = *o.slow_steps;
    while (next_planned_slow_ < plan.size() && plan[next_planned_slow_].step < step) ++next_planned_slow_;
    if (next_planned_slow_ < plan.size() && plan[next_planned_slow_].step == step) slow = plan[next_planned_slow_++].ms;
  } else {
    if (o.slow_ms > 0) slow = sim_.choices().slow_step_ms(o.slow_ms);
    slow += sim_.director.slow_ms(picked_id);
    if (sim_.clock.now_ns() < next_slow_allowed_ns_) slow = 0;
  }
  if (slow > 0) {
    next_slow_allowed_ns_ = sim_.clock.now_ns() + (slow + slow_step_gap_ms) * 1'000'000;
    if (sim_.slow_steps.size() < max_recorded_decisions) sim_.slow_steps.push_back({step, slow});
    sim_.advance_clock_ms(slow);
  }
}

inline bool SimPolicy::tick_moves_time(std::int64_t now_ns) const {
  return now_ns == last_now_ns_ && steps_at_same_time_ + 1 >= steps_per_tick;
}

inline void SimPolicy::tick_without_moving_time(std::int64_t now_ns) {
  assert(!tick_moves_time(now_ns) && "a tick that moves time advances the clock (tick)");
  steps_at_same_time_ = now_ns == last_now_ns_ ? steps_at_same_time_ + 1 : 0;
  last_now_ns_ = now_ns;
}

inline void SimPolicy::tick() {
  const std::int64_t now_ns = sim_.clock.now_ns();
  if (!tick_moves_time(now_ns)) {
    tick_without_moving_time(now_ns);
    return;
  }
  sim_.advance_clock_ms(1);
  last_now_ns_ = sim_.clock.now_ns();
  steps_at_same_time_ = 0;
}

void SimPolicy::over_step_budget() {
  sim_.fail(failure_kind::step_budget,
            "step budget exceeded: " + std::to_string(max_steps_) +
                " scheduling steps without finishing (a livelock: coroutines keep yielding or "
                "waking each other without progress); raise options::max_steps / "
                "CANOPY_MAX_STEPS if the run is just long");
}

inline std::size_t SimPolicy::decide(const runtime::ReadyView& ready, std::size_t size) {
  std::uint64_t& decisions = sim_.stats.decisions;
  std::size_t index = drawn_stream_.on() ? static_cast<std::size_t>(drawn_stream_.below(size))
                      : drawn_ != nullptr      ? drawn_->decision(size)
                                               : strategy_->choose(ready, decisions);
  // One position a decision, in turn, is checked for a coroutine ready
  // for longer than the bound: O(1), and a starving coroutine among k ready
  // ones is found within k decisions of passing it.
  std::size_t probe = probe_position(decisions, size);
  // A branch, never a conditional move: a coroutine rarely starves, and
  // as a move the index would wait for the probe's chain of loads (ring,
  // record, id, ready_since) before the scheduler could switch: about a
  // fifth of a simulated yield's time on the critical path.
  if (__builtin_expect(decisions - ready_since(ready.id(probe)) >= fairness_bound_decisions + 2 * size, 0))
      [[unlikely]] {
    index = starving(probe);
  }
  record(index, size);
  return index;
}

inline void SimPolicy::record(std::size_t index, std::size_t size) {
  ++sim_.stats.decisions;
  // On the common path: room left, no sizes to record (dfs), and no
  // growth of the vector (whose code, inline, would cost every step the
  // saving of the registers it uses).
  std::vector<std::uint32_t>& decisions = sim_.decisions;
  if (__builtin_expect(quick_records_left_ != 0 && decisions.size() != decisions.capacity(), 1)) {
    --quick_records_left_;
    decisions.push_back(static_cast<std::uint32_t>(index));
  } else {
    record_slow(index, size);
  }
}

void SimPolicy::record_slow(std::size_t index, std::size_t size) {
  if (sim_.decisions.size() >= max_recorded_decisions) return;
  if (quick_records_left_ != 0) --quick_records_left_;  // a quick one, but the vector grows
  sim_.decisions.push_back(static_cast<std::uint32_t>(index));
  if (record_sizes_) sim_.decision_sizes.push_back(static_cast<std::uint32_t>(size));
}

inline void SimPolicy::after_pick(std::uint64_t step, std::uint64_t picked) {
  if (strategy_counts_steps_) strategy_->step(step, picked);
  // Virtual time passes before the step runs.
  if (slow_steps_on_) take_slow_step(step, picked);
}

// For fifo, where only slow steps give after_pick work: inline, its calls
// would cost every step the saving of the registers they need.
void SimPolicy::after_pick_out_of_line(std::uint64_t step, std::uint64_t picked) { after_pick(step, picked); }

inline std::uint64_t SimPolicy::count_step() {
  const std::uint64_t step = ++sim_.stats.steps;
  if (__builtin_expect(step > step_limit_, 0)) over_step_budget();
  return step;
}

// Bodies behind tests, each tail-called: fifo's needs few registers, and
// as one function it paid the others' saving and restoring of six at every
// step (about 14 instructions of its 45).
std::size_t SimPolicy::pick(const runtime::ReadyView& ready) {
  if (!tracks_fairness_) return pick_oldest(ready);
  if (quick_fair_) return pick_fair(ready);
  return quick_pct_ ? pick_pct(ready) : pick_fair_general(ready);
}

inline SimPolicy::QuickStep SimPolicy::quick_step(const runtime::ReadyView& ready) const {
  return {sim_.stats.steps + 1, sim_.stats.decisions, ready.size(), sim_.clock.now_ns()};
}

inline bool SimPolicy::quick_step_is_common(const QuickStep& q) const {
  const std::vector<std::uint32_t>& record = sim_.decisions;
  return q.step <= step_limit_ && quick_records_left_ != 0 && record.size() != record.capacity() &&
         !tick_moves_time(q.now_ns);
}

inline bool SimPolicy::fair_at_once(std::uint64_t probed, std::uint64_t picked, const QuickStep& q) const {
  return probed < ready_since_size_ && picked < ready_since_size_ &&
         q.decisions - ready_since_data_[probed] < fairness_bound_decisions + 2 * q.size;
}

inline void SimPolicy::record_quick_decision(std::size_t index, std::uint64_t picked, const QuickStep& q) {
  Simulation& s = sim_;
  s.stats.steps = q.step;
  s.stats.decisions = q.decisions + 1;
  --quick_records_left_;
  s.decisions.push_back(static_cast<std::uint32_t>(index));
  ready_since_data_[picked] = q.decisions + 1;
  tick_without_moving_time(q.now_ns);
}

std::size_t SimPolicy::pick_fair(const runtime::ReadyView& ready) {
  const QuickStep q = quick_step(ready);
  // pick_fair_general's rare branches: those of quick_step_is_common, one
  // coroutine ready, and the stream drawn from elsewhere since its last
  // draw here.
  if (__builtin_expect(!quick_step_is_common(q) || q.size < 2 || !drawn_stream_.fresh(), 0)) {
    return pick_fair_general(ready);
  }
  const std::size_t index = static_cast<std::size_t>(drawn_stream_.peek_below(q.size));
  const std::uint64_t probed = ready.id(probe_position(q.decisions, q.size));
  const std::uint64_t picked = ready.id(index);
  // ...and ready_since's growth, and the fairness bound's pick (decide).
  if (__builtin_expect(!fair_at_once(probed, picked, q), 0)) return pick_fair_general(ready);
  drawn_stream_.take();
  record_quick_decision(index, picked, q);
  return index;
}

std::size_t SimPolicy::pick_pct(const runtime::ReadyView& ready) {
  const QuickStep q = quick_step(ready);
  if (__builtin_expect(!quick_step_is_common(q), 0)) return pick_fair_general(ready);
  // Past the last change point pct's pick is its highest ready coroutine,
  // and step() only notes it (Pct::choose_settled).
  const std::size_t index = pct_->choose_settled(ready, q.step);
  if (__builtin_expect(index == Pct::undecided, 0)) return pick_fair_general(ready);
  const std::uint64_t picked = ready.id(index);
  if (q.size < 2) {
    // One ready: no decision, as in pick_fair_general.
    if (__builtin_expect(picked >= ready_since_size_, 0)) return pick_fair_general(ready);
    sim_.stats.steps = q.step;
    ready_since_data_[picked] = q.decisions;
    pct_->ran_settled(picked);
    tick_without_moving_time(q.now_ns);
    return 0;
  }
  const std::uint64_t probed = ready.id(probe_position(q.decisions, q.size));
  if (__builtin_expect(!fair_at_once(probed, picked, q), 0)) return pick_fair_general(ready);
  pct_->ran_settled(picked);
  record_quick_decision(index, picked, q);
  return index;
}

std::size_t SimPolicy::pick_fair_general(const runtime::ReadyView& ready) {
  const std::uint64_t step = count_step();
  const std::size_t size = ready.size();
  const std::size_t index = size > 1 ? decide(ready, size) : 0;
  const std::uint64_t picked = ready.id(index);
  ready_since(picked) = sim_.stats.decisions;
  if (__builtin_expect(after_pick_on_, 0)) after_pick(step, picked);
  tick();
  return index;
}

// fifo picks the oldest, as the real runtime does: a coroutine is picked
// within `size` decisions of becoming ready, so the fairness bound has
// nothing to find, and no ready_since is kept. Every decision is the
// oldest (0): counted, and written out only for the outcome
// (copy_decisions), not stored at every step.
std::size_t SimPolicy::pick_oldest(const runtime::ReadyView& ready) {
  // The common step, with nothing kept across a call: no step budget or
  // after_pick work reached, and no tick due. pick_oldest_general takes the
  // others, whole.
  Simulation& s = sim_;
  const std::uint64_t step = s.stats.steps + 1;
  const std::int64_t now_ns = s.clock.now_ns();
  if (__builtin_expect(step > step_limit_ || after_pick_on_ || tick_moves_time(now_ns), 0)) {
    return pick_oldest_general(ready);
  }
  s.stats.steps = step;
  tick_without_moving_time(now_ns);
  if (ready.size() > 1) ++s.stats.decisions;
  return 0;
}

std::size_t SimPolicy::pick_oldest_general(const runtime::ReadyView& ready) {
  const std::uint64_t step = count_step();
  if (__builtin_expect(after_pick_on_, 0)) after_pick_out_of_line(step, ready.id(0));
  tick();
  if (ready.size() > 1) ++sim_.stats.decisions;
  return 0;
}

void SimPolicy::copy_decisions(std::vector<std::uint32_t>& out) const {
  if (tracks_fairness_) {
    out.assign(sim_.decisions.begin(), sim_.decisions.end());
  } else {
    // fifo: as many oldest-picks as record() would have kept.
    out.assign(static_cast<std::size_t>(std::min<std::uint64_t>(sim_.stats.decisions, max_recorded_decisions)), 0);
  }
}

std::uint64_t SimPolicy::timer_tiebreak(std::uint64_t arrival) {
  if (!seeded_timers(sim_.opts().strategy)) return arrival;
  // Random high bits order the timers; the arrival in the low bits keeps
  // keys distinct, so the heap never has to break a tie on its own.
  return (sim_.choices().next(stream::timers) << 24) | (arrival & 0xFFFFFF);
}

std::int64_t SimPolicy::timer_lateness_ms(std::int64_t deadline_ms) {
  int bound = sim_.opts().jitter_ms;
  std::int64_t late =
      bound <= 0 ? 0 : static_cast<std::int64_t>(sim_.choices().below(stream::jitter, static_cast<std::uint64_t>(bound) + 1));
  std::int64_t wait_ms = deadline_ms - sim_.clock.now_ns() / 1'000'000;
  return late + sim_.director.lateness_ms(runtime::running_coroutine(), wait_ms);
}

}  // namespace canopy::sim::detail
