// What a simulated run is asked to do: the seed, the scheduling strategy and
// its parameters, which failures to inject, and the budgets that turn a
// livelock into a report. The same settings come from the environment
// (CANOPY_SEED, CANOPY_STRATEGY, ...) and from replay lines, so that every
// run can be written down as one line and repeated exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace canopy::runtime {
class Observer;
}

namespace canopy::sim {

class cancellation_coverage;

/// How the next ready coroutine is chosen at every scheduling step.
enum class strategy : std::uint8_t {
  fifo,    ///< always the oldest ready coroutine: the real runtime's order
  random,  ///< uniformly among the ready ones, from the seed
  pct,     ///< probabilistic concurrency testing: seeded priorities, depth-1 change points
  dfs,     ///< every schedule up to a preemption bound (explore() only)
  replay,  ///< the recorded decision list, then fifo
  /// "auto": each seed picks random or pct (depth 1..3), and whether to add
  /// timer jitter, slow steps and directed cancellation (options::resolved).
  automatic,
};

/// "fifo", "random", "pct", "dfs", "replay", "auto".
const char* to_string(strategy s);
/// The strategy named `name`, or nothing.
std::optional<strategy> strategy_from_string(std::string_view name);

/// A failure injected at one blocking call, by its position among all
/// blocking calls of the run (0 = the first one the runtime asked about).
struct injection {
  std::uint64_t call_index = 0;
  int err = 0;  ///< ECANCELED or ETIMEDOUT
  friend bool operator==(const injection&, const injection&) = default;
};

/// A scheduling step that took time, as on a busy or preempted CPU: just
/// before scheduling step `step` (1 = the first) ran its coroutine, virtual
/// time moved `ms` ms.
struct slow_step {
  std::uint64_t step = 0;
  int ms = 0;
  friend bool operator==(const slow_step&, const slow_step&) = default;
};

/// Everything a simulated run depends on. Two runs with equal options and
/// the same body behave identically, event for event.
struct options {
  std::uint64_t seed = 0;
  sim::strategy strategy = sim::strategy::random;
  /// pct: the bug depth d (d-1 priority change points).
  int pct_depth = 3;
  /// pct: how many scheduling steps the change points are spread over.
  std::uint64_t pct_steps = 1000;
  /// dfs: the most preemptions (picks other than fifo's) in one schedule.
  int dfs_preemption_bound = 2;
  /// dfs: stop after this many schedules even if the space is not finished.
  std::uint64_t dfs_max_schedules = 100000;
  /// replay: the choice made at each step with more than one ready
  /// coroutine, taken modulo the number ready; past the end, fifo.
  std::vector<std::uint32_t> decisions;
  /// Directed cancellation (CANOPY_INJECT=cancel): steer the program's own
  /// closes (an owner's hclose, a bundle's grace deadline, a grace period cut
  /// short by an outer one) into blocking calls where no close has landed
  /// yet, using only what a real machine does: slow steps, late timers and
  /// other orders of ready coroutines (directed.cpp). Nothing is injected.
  bool directed_cancel = false;
  /// What-if (CANOPY_WHATIF=cancel): ECANCELED at blocking calls of
  /// coroutines other than main although nobody closed them. Not a real
  /// execution: every report of such a run says what-if.
  bool whatif_cancel = false;
  /// What-if (CANOPY_WHATIF=timeout): ETIMEDOUT at blocking calls with a
  /// deadline, before the deadline. Not a real execution either.
  bool whatif_timeout = false;
  /// Chance, per thousand blocking calls, of a what-if injection.
  int whatif_per_mille = 50;
  /// When set, exactly these what-if injections happen and the per-mille
  /// chance is not used (replays and shrinking).
  std::optional<std::vector<injection>> injections;
  /// Timers fire up to this many ms late, seeded; 0: on time.
  int jitter_ms = 0;
  /// Slow steps: a seeded quarter of the scheduling steps take 1..slow_ms
  /// virtual ms before their coroutine runs (a busy or preempted CPU), at
  /// least 100 virtual ms apart; 0: steps take no time (but see
  /// steps_per_tick in policy.cpp).
  int slow_ms = 0;
  /// When set, exactly these slow steps happen and slow_ms draws nothing
  /// (replays and shrinking).
  std::optional<std::vector<slow_step>> slow_steps;
  /// Simulated network faults a correct program must tolerate (opt-in,
  /// CANOPY_NET_FAULTS=reset,refuse,partition): connections reset in the
  /// middle (ECONNRESET), connections refused although a listener exists
  /// (ECONNREFUSED), and partitions of one direction that heal.
  bool net_reset = false;
  bool net_refuse = false;
  bool net_partition = false;
  /// One-way latency of every simulated connection and datagram route, in
  /// ms; -1: seeded per connection, 1..5 ms (the default).
  int net_latency_ms = -1;
  /// Extra seeded delay per piece of data, 0..this many ms (order kept within
  /// a connection); -1: seeded per connection, 0..2 ms (the default).
  int net_jitter_ms = -1;
  /// Stop with a livelock report after this many scheduling steps (0: never).
  std::uint64_t max_steps = 1'000'000;
  /// Stop with a livelock report when virtual time passes this many ms after
  /// the start (0: never).
  std::int64_t max_virtual_ms = 24ll * 3600 * 1000;
  /// A cancelled coroutine that makes more blocking calls than this is
  /// reported as ignoring its cancellation.
  std::uint64_t cancelled_call_budget = 10000;
  /// A coroutine exiting while children it owns still run ends the run as
  /// a failure. When false, the report is kept in outcome::structure_reports
  /// and the run goes on (for programs that break the structure on purpose).
  bool stop_at_structure_broken = true;
  /// Report coroutines still alive and handles still open when the body
  /// returns.
  bool check_leaks = true;
  /// The choice bytes of a fuzz input (canopy/sim/fuzz.hpp): when set, every
  /// choice the replay line records (decisions, injections) is read from
  /// them, and the run's replay line is the ordinary one that repeats it.
  /// Never written into a line; set by input_options().
  std::optional<std::vector<std::uint8_t>> fuzz_choices;
  /// Scenario name, carried into replay lines by `canopy run`/`sweep`.
  std::string scenario;
  /// Also told every event (a trace recorder); not owned, may be null.
  runtime::Observer* observer = nullptr;
  /// Keep every event in outcome::events (determinism checks, tests).
  bool record_events = false;
  /// Every run with these options adds its call sites here
  /// (canopy/sim/coverage.hpp); not owned, may be null. Shrinking's replays
  /// are not added.
  cancellation_coverage* coverage = nullptr;

  /// What a run with these options does: themselves, except that strategy
  /// auto becomes what its seed picks: random or pct with depth 1..3 (one
  /// in four each), and one timing of five (none, jitter_ms 1..20, slow_ms
  /// 1..20, both, or directed cancellation); settings given explicitly are
  /// kept. Replay lines of an
  /// auto run name the picks, so they repeat without auto.
  options resolved() const;

  /// The options CANOPY_SEED, CANOPY_STRATEGY, CANOPY_PCT_DEPTH,
  /// CANOPY_PCT_STEPS, CANOPY_DFS_BOUND, CANOPY_INJECT (cancel),
  /// CANOPY_WHATIF (cancel,timeout), CANOPY_WHATIF_PER_MILLE,
  /// CANOPY_INJECTIONS, CANOPY_JITTER_MS, CANOPY_SLOW_MS,
  /// CANOPY_SLOW_STEPS, CANOPY_NET_FAULTS,
  /// CANOPY_NET_LATENCY_MS, CANOPY_NET_JITTER_MS, CANOPY_MAX_STEPS,
  /// CANOPY_MAX_VIRTUAL_MS, CANOPY_DECISIONS and CANOPY_REPLAY describe,
  /// starting from `base`. A malformed variable sets `error` to a sentence
  /// naming it; the result is then `base`.
  static options from_environment(const options& base, std::string& error);
  /// The run-setting variables (CANOPY_SEED, CANOPY_STRATEGY, ...) that are
  /// set but ignored because CANOPY_REPLAY is set (its line says all).
  static std::vector<std::string> overridden_by_replay();
  /// The CANOPY_* names in `environment` (an environ-style array) that no
  /// part of Canopy reads: typos, or settings of another version.
  static std::vector<std::string> unknown_variables(char* const* environment);
  /// Parses a replay line ("v1:seed=42;strategy=pct;pct_depth=3"); sets
  /// `error` and returns nothing when the line is malformed.
  static std::optional<options> from_replay(std::string_view line, std::string& error);
  /// The replay line for these options: parse it back with from_replay and
  /// the run repeats exactly. Only what differs from the defaults is written.
  std::string replay_line() const;
  /// The same as environment variables, for whole programs:
  /// "CANOPY_SEED=42 CANOPY_STRATEGY=pct CANOPY_PCT_DEPTH=3".
  std::string environment_line() const;
};

/// Where virtual time starts: now() reads this many ms at the beginning of
/// every simulated run. Not 0, so that `now() - 1` and `now()` never mean
/// "forever" (-1) or "only if possible right now" (0) by accident.
inline constexpr std::int64_t epoch_ms = 1'000'000;

}  // namespace canopy::sim
