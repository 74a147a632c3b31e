// What a simulated run found: passed or the first failure, a report a person
// can act on, the line that repeats the run, and what it cost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "canopy/sim/options.hpp"

namespace canopy::sim {

/// Why a run failed.
enum class failure_kind : std::uint8_t {
  none,                     ///< the run passed
  deadlock,                 ///< every coroutine blocked, nothing could wake one
  structure_broken,         ///< a coroutine exited while children it owns ran
  cancelled_still_running,  ///< a cancelled coroutine kept making blocking calls
  crashed,                  ///< uncaught exception or failed assertion in a coroutine
  coroutines_leaked,        ///< coroutines still alive when the body returned
  handles_leaked,           ///< handles still open when the body returned
  step_budget,              ///< more scheduling steps than allowed (livelock)
  time_budget,              ///< more virtual time than allowed (livelock)
  body_failed,              ///< the body reported a failure (sim::fail, a scenario's -1)
};

/// "deadlock", "structure-broken", ... (stable: JUnit and replay output use it).
const char* to_string(failure_kind kind);

/// What the run cost.
struct statistics {
  std::uint64_t steps = 0;       ///< scheduling steps (Policy::pick calls)
  std::uint64_t decisions = 0;   ///< steps where more than one coroutine was ready
  std::uint64_t switches = 0;    ///< context switches
  std::uint64_t spawned = 0;     ///< coroutines created
  std::uint64_t events = 0;      ///< runtime events observed
  std::int64_t virtual_ms = 0;   ///< virtual time from start to end
};

/// A call site seen at a blocking call, and what it was driven to.
struct call_site_coverage {
  std::string site;               ///< "module+0x1a2b (function)": no raw addresses
  std::uint64_t calls = 0;        ///< blocking calls made there
  std::uint64_t ecanceled = 0;    ///< returned ECANCELED (injected or not)
  std::uint64_t etimedout = 0;    ///< returned ETIMEDOUT (injected or not)
  /// A real close (an hclose, a bundle's deadline; never a what-if) landed
  /// here: it woke the coroutine blocked at this call, or this was the first
  /// blocking call the coroutine made after a close that found it running.
  std::uint64_t closes = 0;
  /// Later calls here refused at once because a real close had landed.
  std::uint64_t refused_after_close = 0;
  /// What-if injections here (ECANCELED or ETIMEDOUT nobody caused).
  std::uint64_t whatif = 0;
};

/// One recorded runtime event, flattened to text (record_events only).
using event_line = std::string;

struct outcome {
  bool passed = true;
  failure_kind kind = failure_kind::none;
  /// What went wrong, in sentences, with the wait-for graph for deadlocks.
  std::string report;
  /// The line that repeats this run: `options::from_replay(replay)`.
  std::string replay;
  statistics stats{};
  /// Every choice made where more than one coroutine was ready.
  std::vector<std::uint32_t> decisions;
  /// How many coroutines were ready at each decision (strategy dfs only).
  std::vector<std::uint32_t> choices;
  /// Every failure injected, in order.
  std::vector<injection> injections;
  /// Every slow step taken, in order (options::slow_ms, slow_steps).
  std::vector<slow_step> slow_steps;
  /// Call sites of blocking calls, sorted by name.
  std::vector<call_site_coverage> coverage;
  /// Broken-structure reports of a run with stop_at_structure_broken off.
  std::vector<std::string> structure_reports;
  /// A hash of every event (sim/src/observer.cpp): equal runs have equal hashes.
  std::uint64_t trace_hash = 0;
  /// Every event as text, when options::record_events was set.
  std::vector<event_line> events;
  /// False when the run waited on a real descriptor connected to the outside
  /// (a terminal, a file, a real socket, a pipe another process writes): its
  /// replay line may then not repeat it. `outside` says which descriptor.
  bool reproducible = true;
  std::string outside;

  /// "" when the run is realizable. After a what-if injection
  /// (options::whatif_cancel/whatif_timeout/injections): the injection and
  /// its site, and that a failure may be its consequence. describe() starts
  /// with "what-if: " and this.
  std::string whatif;
  /// Set by sweep() and check(): runs that failed after a what-if injection,
  /// counted apart from real failures (the outcome is a real failure when
  /// there was one).
  std::uint64_t whatif_failures = 0;

  explicit operator bool() const { return passed; }
  /// "what-if: ..." for a what-if run, the report, then "replay: <line>".
  std::string describe() const;
};

}  // namespace canopy::sim
