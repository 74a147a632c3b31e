// One simulated run: the clock, poller, policy, injector, observer and
// failure sink it plugs into the scheduler's Platform, and what it has seen.
//
// A Simulation lives either for one call of run() (mode::embedded: a failure
// is recorded and the run abandoned back to run()) or for the whole process
// (mode::whole_program under CANOPY_SEED: a failure is printed with its
// replay line and the process exits).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "canopy/sim/options.hpp"
#include "canopy/sim/outcome.hpp"
#include "network.hpp"
#include "poller.hpp"
#include "rng.hpp"
#include "canopy/runtime/platform.hpp"
#include "choices.hpp"
#include "strategy.hpp"

namespace canopy::sim::detail {

class Simulation;
class Pct;

/// Virtual time: moves only when the poller says so.
class SimClock final : public runtime::Clock {
 public:
  std::int64_t now_ns() override { return now_ns_; }
  const std::int64_t* reading() const override { return &now_ns_; }
  void advance_to(std::int64_t time_ns) {
    if (time_ns > now_ns_) now_ns_ = time_ns;
  }

 private:
  std::int64_t now_ns_ = epoch_ms * 1'000'000;
};

/// Directed cancellation (directed.cpp): per coroutine, a seeded speed
/// profile (slow steps, late timers) so that over seeds the program's own
/// closes land at different blocking calls of their targets.
class SimDirector {
 public:
  explicit SimDirector(Simulation& sim);
  /// Extra ms the step about to run coroutine `id` takes (0 when off).
  int slow_ms(std::uint64_t id);
  /// Extra lateness of a timer coroutine `id` sets to wait `wait_ms`.
  std::int64_t lateness_ms(std::uint64_t id, std::int64_t wait_ms);

 private:
  struct Profile {
    bool drawn = false;    ///< profiles are drawn when a coroutine is first seen
    int slow_one_in = 0;   ///< one step in this many is slow (0: none)
    int slow_max_ms = 1;   ///< a slow step takes 1..this many ms
    int late_percent = 0;  ///< timers fire up to this share of their wait late
  };
  Profile& profile(std::uint64_t id);
  Simulation& sim_;
  /// By coroutine id (small sequence numbers).
  std::vector<Profile> profiles_;
};

/// Counts steps, enforces the step budget, records decisions, and asks the
/// strategy; also timer tie-breaks and jitter.
class SimPolicy final : public runtime::Policy {
 public:
  explicit SimPolicy(Simulation& sim);
  std::size_t pick(const runtime::ReadyView& ready) override;
  std::uint64_t timer_tiebreak(std::uint64_t arrival) override;
  std::int64_t timer_lateness_ms(std::int64_t deadline_ms) override;
  /// Coroutine `id` became ready (woken, or yielded): from the observer.
  void became_ready(std::uint64_t id);
  /// The run's decisions, for its outcome.
  void copy_decisions(std::vector<std::uint32_t>& out) const;

 private:
  /// A step with more than one coroutine ready: which runs, recorded.
  [[gnu::always_inline]] std::size_t decide(const runtime::ReadyView& ready, std::size_t size);
  /// The step about to run, counted against the step budget.
  [[gnu::always_inline]] std::uint64_t count_step();
  /// pick() under every strategy but fifo when quick_fair_: a common step,
  /// whose every rare case is tested before anything changes;
  /// pick_fair_general takes the others, whole.
  [[gnu::noinline]] std::size_t pick_fair(const runtime::ReadyView& ready);
  /// pick() under pct when quick_pct_: a step past pct's last change
  /// point whose every ready coroutine has its priority, and none of
  /// pick_fair's rare cases; pick_fair_general takes the others, whole.
  [[gnu::noinline]] std::size_t pick_pct(const runtime::ReadyView& ready);
  /// pick_fair's and pick_pct's steps one by one.
  [[gnu::noinline]] std::size_t pick_fair_general(const runtime::ReadyView& ready);
  /// What a quick pick reads before it decides anything.
  struct QuickStep {
    std::uint64_t step;       ///< the step about to run
    std::uint64_t decisions;  ///< decisions made before it
    std::size_t size;         ///< coroutines ready
    std::int64_t now_ns;      ///< the clock, for the tick rule
  };
  [[gnu::always_inline]] QuickStep quick_step(const runtime::ReadyView& ready) const;
  /// Whether a quick pick of `q` passes every rare case that is not the
  /// strategy's: the step budget, the tick that moves time, and a record
  /// at its bound or about to grow.
  [[gnu::always_inline]] bool quick_step_is_common(const QuickStep& q) const;
  /// Whether coroutines `probed` (at the fairness probe) and `picked` are
  /// inside ready_since and `probed` is not starving: the fairness bound
  /// leaves the pick as it is.
  [[gnu::always_inline]] bool fair_at_once(std::uint64_t probed, std::uint64_t picked, const QuickStep& q) const;
  /// A quick pick's bookkeeping: step `q.step` counted, decision `index`
  /// (coroutine `picked`) recorded, and the tick that keeps time.
  [[gnu::always_inline]] void record_quick_decision(std::size_t index, std::uint64_t picked, const QuickStep& q);
  /// pick() under fifo: the oldest, recorded. Its common step keeps no
  /// frame; pick_oldest_general takes the others, whole.
  [[gnu::noinline]] std::size_t pick_oldest(const runtime::ReadyView& ready);
  [[gnu::noinline]] std::size_t pick_oldest_general(const runtime::ReadyView& ready);
  /// Counts decision `index` (of `size` ready) and keeps it for replay.
  [[gnu::always_inline]] void record(std::size_t index, std::size_t size);
  /// Moves virtual time before step `step` runs, when slow steps are on
  /// (seeded, planned or directed).
  void take_slow_step(std::uint64_t step, std::uint64_t picked_id);
  /// The tick that keeps always-ready programs from stopping time.
  void tick();
  /// Whether this step's tick, at virtual time `now_ns`, moves time.
  bool tick_moves_time(std::int64_t now_ns) const;
  /// This step's tick when it does not move time: the count of steps at
  /// one time, kept.
  void tick_without_moving_time(std::int64_t now_ns);
  [[noreturn]] void over_step_budget();
  Simulation& sim_;
  std::unique_ptr<Strategy> strategy_;
  // Read once from the options: pick() runs at every step.
  /// Only pct wants to hear of every step.
  bool strategy_counts_steps_ = false;
  /// Slow steps of any kind (seeded, planned, directed) may happen.
  bool slow_steps_on_ = false;
  bool record_sizes_ = false;  ///< dfs: how many were ready at each decision
  /// Every strategy but fifo: picks may pass a coroutine over, so the
  /// fairness bound watches how long each has been ready. fifo picks the
  /// oldest (no call, no bookkeeping).
  bool tracks_fairness_ = true;
  /// The strategy's decisions are the choice source's (random, a fuzz input).
  ChoiceSource* drawn_ = nullptr;
  /// The stream those decisions are drawn from, when each is just its
  /// below(size) (a seeded run): drawn inline, one ahead.
  DrawAhead drawn_stream_;
  std::uint64_t max_steps_ = 0;
  std::uint64_t step_limit_ = UINT64_MAX;  ///< max_steps_, or no limit when it is 0: one compare a step
  /// pct's step count or slow steps: after_pick has work (one test a step).
  bool after_pick_on_ = false;
  /// Decisions drawn inline from a stream (drawn_stream_), and no
  /// after_pick work: pick_fair's short form may serve the step.
  bool quick_fair_ = false;
  /// The strategy, when it is pct (else null), and whether pick_pct may
  /// serve a step: pct with no slow steps.
  Pct* pct_ = nullptr;
  bool quick_pct_ = false;
  /// Decisions that may still be recorded without a look at the record's
  /// size against its bound (it starts empty), when no sizes are recorded
  /// with them; at 0, or when the record must grow, record_slow decides.
  std::size_t quick_records_left_ = 0;
  [[gnu::noinline]] void record_slow(std::size_t index, std::size_t size);
  inline void after_pick(std::uint64_t step, std::uint64_t picked);
  [[gnu::noinline]] void after_pick_out_of_line(std::uint64_t step, std::uint64_t picked);
  /// Planned slow steps: the next one not yet reached.
  std::size_t next_planned_slow_ = 0;
  /// The clock at the previous step, and how many steps in a row saw it
  /// unchanged (the tick rule).
  std::int64_t last_now_ns_ = -1;
  std::uint32_t steps_at_same_time_ = 0;
  /// No seeded slow step before this virtual time (the gap after the last).
  std::int64_t next_slow_allowed_ns_ = 0;
  /// By coroutine id: the decision count when it last became ready or ran
  /// (the fairness bound).
  std::vector<std::uint64_t> ready_since_;
  /// Its data and size, kept by grow_ready_since: read three times a step,
  /// they are two loads rather than the vector's pointer arithmetic.
  std::uint64_t* ready_since_data_ = nullptr;
  std::size_t ready_since_size_ = 0;
  std::uint64_t& ready_since(std::uint64_t id) {
    // The vector never grows past the slot limit, so an id inside it is its own slot.
    return id < ready_since_size_ ? ready_since_data_[static_cast<std::size_t>(id)] : grow_ready_since(id);
  }
  std::uint64_t& grow_ready_since(std::uint64_t id);
};

/// Injects what-if ECANCELED / ETIMEDOUT at blocking calls (CANOPY_WHATIF;
/// never otherwise) and keeps the coverage of call sites: blocking calls,
/// and where real closes landed.
class SimInjector final : public runtime::Injector {
 public:
  explicit SimInjector(Simulation& sim);
  int before_block(std::uint64_t id, runtime::BlockReason reason, const void* call_site,
                   bool has_deadline) override;
  /// Coroutine `id` saw ECANCELED / ETIMEDOUT (from the observer).
  void delivered(std::uint64_t id, int err);
  /// Coroutine `id` is being closed for real (a cancel event).
  void closed(std::uint64_t id);
  /// Coroutine `id`, already cancelled, had a blocking call at `call_site`
  /// refused at once with ECANCELED (from the observer).
  void refused(std::uint64_t id, const void* call_site);
  std::vector<call_site_coverage> coverage() const;

 private:
  struct Counts {
    std::uint64_t calls = 0, ecanceled = 0, etimedout = 0, closes = 0, refused_after_close = 0, whatif = 0;
  };
  /// Where a coroutine stands with closes, for the coverage of real ones.
  enum class Close : std::uint8_t {
    none,     ///< not closed
    pending,  ///< closed while running or ready: lands at its next blocking call
    landed,   ///< a real close landed; later refusals are its consequences
    whatif,   ///< cancelled by a what-if injection, not by a close
  };
  Close& close_state(std::uint64_t id);
  /// By coroutine id.
  std::vector<Close> close_;
  Counts& counts_for(const void* call_site);
  Simulation& sim_;
  std::uint64_t calls_ = 0;
  std::size_t next_planned_ = 0;
  /// The coroutine whose ECANCELED was just injected: its ecanceled event
  /// is that injection, already counted, not a refusal.
  std::uint64_t injected_for_ = runtime::no_coroutine;
  /// Symbolized site -> counts; a map so the report comes out sorted by name.
  std::map<std::string, Counts> sites_;
  /// Raw address -> symbolized name; looked up, never iterated.
  std::unordered_map<const void*, Counts*> by_address_;
  /// Coroutine id -> the counts of the site it last blocked at.
  std::vector<Counts*> last_site_;
};

/// Watches every event: statistics, the trace hash, the cancelled-coroutine
/// budget, coverage of delivered errors; forwards to the user's observer.
class SimObserver final : public runtime::Observer {
 public:
  explicit SimObserver(Simulation& sim);
  void record(const runtime::Event& event) override;
  void yielded(runtime::CoroutineId id, std::int64_t time_ns) override;

 private:
  /// What a yield means beyond the hash: ready again, and one more call if cancelled.
  void account_yield(std::uint64_t id);
  void attribute_refusal(std::uint64_t id);
  /// record_events: the event as text (out of line: the common path
  /// builds no strings).
  [[gnu::noinline]] void keep_text(const runtime::Event& e);
  [[gnu::noinline]] void keep_yield_text(runtime::CoroutineId id, std::int64_t time_ns);
  /// Every event but a yield: closes, wakes, blocking calls, refusals.
  void account(const runtime::Event& e);
  /// Coroutine `id`, cancelled, made one more blocking call: the budget.
  void called_after_cancel(std::uint64_t id);
  Simulation& sim_;
  // From the options, read once: record() runs at every event.
  bool record_events_;
  runtime::Observer* user_observer_;
  /// Coroutine id -> blocking calls made since it was cancelled, +1 (0: not
  /// cancelled). Entries never go back to 0.
  std::vector<std::uint64_t> cancelled_calls_;
  /// A yield has more to do than make its coroutine ready: events kept as
  /// text, a user observer, or some coroutine cancelled (set for good then).
  bool yield_slow_path_;
  /// Marks `id` (inside cancelled_calls_) cancelled.
  void mark_cancelled(std::uint64_t id);
  [[gnu::noinline]] void yielded_slow(runtime::CoroutineId id, std::int64_t time_ns);
};

/// Turns the runtime's failure reports into the simulation's.
class SimFailureSink final : public runtime::FailureSink {
 public:
  explicit SimFailureSink(Simulation& sim) : sim_(sim) {}
  [[noreturn]] void deadlock(const std::string& report) override;
  void structure_broken(const std::string& report) override;
  [[noreturn]] void crashed(const std::string& report) override;

 private:
  Simulation& sim_;
};

/// Embedded: one call of run(). Whole program: the process, under CANOPY_SEED.
enum class SimMode { embedded, whole_program };

class Simulation {
  // First: the components below read them while being constructed (pct
  // draws its change points then).
  options options_;
  SimMode mode_;
  std::unique_ptr<ChoiceSource> choices_;

 public:
  using mode = SimMode;
  Simulation(const options& o, mode m);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  const options& opts() const { return options_; }
  mode run_mode() const { return mode_; }
  /// Where every seeded choice of the run comes from (choices.hpp).
  ChoiceSource& choices() { return *choices_; }
  /// The run's recorded choices come from a fuzz input.
  bool fuzzing() const { return options_.fuzz_choices.has_value(); }
  runtime::Platform platform();

  /// Ends the run with a failure: embedded, records it and abandons to
  /// run(); whole program, prints it with the replay line and exits.
  [[noreturn]] void fail(failure_kind kind, const std::string& report);
  /// Records a failure without ending the run (the first one wins).
  void note_failure(failure_kind kind, const std::string& report);

  /// The line that repeats this run so far: the seed form, or the decision
  /// list when the strategy is replay/dfs.
  std::string replay_line() const;
  /// The options of that line (a fuzz input's run: replay of what it chose).
  options replay_options() const;
  /// Fills `out` with the statistics, decisions, coverage and failure,
  /// moving the run's records there: the last use of the simulation.
  void finish(outcome& out);
  /// The run waited on real descriptor `fd`, connected to the outside
  /// (`what` says how): the first time, records it, emits the `outside`
  /// event, and from then on failures say the run may not repeat.
  void note_outside(int fd, const std::string& what);
  /// "" for a realizable run; after a what-if injection, the sentence every
  /// report starts with (after "canopy: what-if: " or "what-if: ").
  std::string whatif_note() const;
  /// Whole programs under CANOPY_COVERAGE=path: adds this run's call sites
  /// to that file (once; a warning when it cannot).
  void write_coverage();
  /// Moves virtual time forward by `ms` from a running step (a slow step
  /// or a tick), failing the run when that passes the time budget.
  void advance_clock_ms(std::int64_t ms);
  /// Reports `e` as happening now, to the running coroutine, through the
  /// observer (statistics, trace hash, the user's recorder).
  void emit(runtime::Event e);

  SimClock clock;
  SimPoller poller;
  SimNetwork network;
  SimDirector director;
  SimPolicy policy;
  SimInjector injector;
  SimObserver observer;
  SimFailureSink failures;

  // What the components share.
  statistics stats{};
  /// The decisions made, in order (replay, dfs, shrinking); fifo's, all
  /// the oldest, are counted and not kept (SimPolicy::copy_decisions).
  std::vector<std::uint32_t> decisions;
  /// How many were ready at each decision (dfs needs it to backtrack).
  std::vector<std::uint32_t> decision_sizes;
  std::vector<injection> injections;
  std::vector<slow_step> slow_steps;
  /// CANOPY_COVERAGE of a whole program ("" when not set).
  std::string coverage_path;
  /// The first what-if injection, in words ("" when none happened).
  std::string first_whatif;
  std::uint64_t trace_hash = 0xcbf29ce484222325ull;
  std::vector<std::string> events;
  std::vector<std::string> structure_reports;
  failure_kind failure = failure_kind::none;
  std::string failure_report;
  /// Whole-program mode: the command that started the process, for replay lines.
  std::string program_command;
  /// The first outside descriptor waited on ("descriptor 0, a terminal..."), or "".
  std::string outside_note;
};

// Inline: the observer calls it at every yield and wake.
inline void SimPolicy::became_ready(std::uint64_t id) {
  if (tracks_fairness_) ready_since(id) = sim_.stats.decisions;
}

/// The simulation running on this thread, or null.
Simulation* current_simulation();
/// Makes `s` this thread's simulation; returns the previous one.
Simulation* install_simulation(Simulation* s);

/// Exit statuses of a whole program stopped by the simulator.
int exit_status_for(failure_kind kind);

/// Flattens an event to one line of text (record_events, determinism checks).
std::string describe_event(const runtime::Event& event);

}  // namespace canopy::sim::detail
