// A SIGABRT handler that prints the replay line before the process dies of a
// failed assertion, so that even a crash in the middle of a run says how to
// repeat it. Also registered as the stack-overflow report's crash note.
#pragma once

#include <string>

#include "canopy/sim/outcome.hpp"

namespace canopy::sim::detail {

/// Sets the line printed on abort (and on stack overflow); installs the
/// handler the first time. The previous SIGABRT disposition still runs after.
void set_abort_note(const std::string& replay_line);
/// Prints nothing on abort any more.
/// After a what-if injection: an abort or a crash note then starts with
/// "canopy: what-if: " and `sentence`.
void set_whatif_note(const std::string& sentence);
void clear_abort_note();
/// When set, called on abort instead of printing the note: for a line that
/// changes as the run goes (a fuzz input's), formatted then. Not
/// async-signal-safe; meant for the synchronous abort() of a failed
/// assertion on the simulated (single) thread. Null: the note again.
void set_abort_hook(void (*hook)());

/// Whole programs: called just before the simulator ends the process with
/// `status` for `kind` (a failure report, a leak at exit), so that the
/// CANOPY_TRACE trace is flushed and ends with a line saying so.
void before_process_ends(failure_kind kind, int status, const std::string& report);

}  // namespace canopy::sim::detail
