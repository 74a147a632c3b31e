// CANOPY_TRACE=path: the process's one recorder, and how its trace survives
// the way the process ends. The runtime asks for it through its environment
// hooks (canopy/runtime/environment.hpp); the simulator opens it first, with
// the header its options describe.
#pragma once

#include "canopy/runtime/event.hpp"
#include "canopy/trace/header.hpp"
#include "canopy/trace/recorder.hpp"

namespace canopy::trace {

/// The observer recording to $CANOPY_TRACE, opened once per process with
/// `header` (its `program` is filled from /proc/self/comm when empty); later
/// calls return the same observer whatever header they pass. Null when
/// CANOPY_TRACE is unset or empty, or when the file cannot be opened (one
/// line on stderr says why, and the program runs without a trace).
///
/// Once open, however the process ends the trace ends with an "end" line:
/// a normal exit records its status; abort() and fatal signals whose
/// disposition was the default (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM,
/// SIGINT, ...) record which, then the process dies of the signal as it
/// would have. A forked child stops recording (the file is its parent's),
/// so one file never has two writers.
runtime::Observer* environment_observer(const Header& header);

/// The environment hook: environment_observer with the real runtime's
/// header ("fifo") when `clock_is_simulated` is false. The same observer on
/// every call.
runtime::Observer* observer_from_environment(bool clock_is_simulated);

/// The environment hook for a process the runtime ends itself: appends the
/// end line (`how`, exit `status`, `report`) to the trace, if one is open.
void end_environment_trace(const char* how, int status, const char* report);

/// The recorder behind environment_observer, or null when none is open:
/// for code that ends the process itself (the simulator's reports) and
/// must call end() first.
Recorder* environment_recorder();

}  // namespace canopy::trace
