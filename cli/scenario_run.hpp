// Running one documented scenario under the simulator, and narrating it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "canopy/scenarios/scenario.h"
#include "canopy/sim/outcome.hpp"
#include "canopy/sim/options.hpp"

namespace canopy::cli {

/// One point a scenario's document marks, as the run reached it.
struct Note {
  std::int64_t ms;          ///< virtual time since the run started
  std::uint64_t coroutine;  ///< who reached it
  std::string point;        ///< the document's mark ("1", "2a", ...)
  std::string text;         ///< what the scenario said
};

/// Runs `sc` once under `o`: its scenario_env draws random() from the
/// run's seed (apart from the scheduler's decisions) and note()s into
/// `notes` when given (the first 10,000).
sim::outcome run_scenario(const scenario& sc, sim::options o, std::vector<Note>* notes);

/// Runs `sc` under `o` and records its trace to `trace_path` (its last line
/// says how the run ended), printing nothing; `notes` as for run_scenario.
/// Sets `error` (and runs nothing) when the trace file cannot be written.
sim::outcome record_scenario(const scenario& sc, const sim::options& o, const char* trace_path,
                             std::vector<Note>* notes, std::string& error);

/// Shrinks the failing run `failed` of `sc` (made with `o`) to a smaller
/// replay that fails the same way, in at most `max_runs` runs.
sim::outcome shrink_scenario(const scenario& sc, const sim::options& o, const sim::outcome& failed,
                             std::uint64_t max_runs);

/// Runs `sc` under `o`, recording a trace to `trace_path` when not null
/// (its last line says how the run ended), and prints the narration, the
/// result and the replay line. Returns 0 passed, 1 failed, 2 no trace file.
int run_and_print(const scenario& sc, const sim::options& o, const char* trace_path);

}  // namespace canopy::cli
