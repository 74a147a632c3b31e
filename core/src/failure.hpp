// Reports of what went wrong: deadlocks, broken structure, crashes. Each goes
// to the platform's FailureSink when there is one (the simulator), else to
// stderr, and for the fatal ones the process exits.
#pragma once

#include <string>

#include "canopy/runtime/event.hpp"

namespace canopy::core {

class Scheduler;
struct Coroutine;

/// Exit status of a process stopped by a deadlock report.
inline constexpr int deadlock_exit_status = 3;
/// Exit status of a process stopped by a crashed coroutine.
inline constexpr int crash_exit_status = 4;

/// "file.c:12 (worker())", or "(main)" for the thread's own stack.
std::string describe_site(const runtime::SpawnSite& site);
/// One line: "coroutine 3 spawned at f.c:9 (worker()) blocked in chrecv on channel 2".
std::string describe_coroutine(const Coroutine& c);

void report_structure_broken(Scheduler& s, const std::string& report);
[[noreturn]] void report_crash(Scheduler& s, const Coroutine& c, const std::string& what);

}  // namespace canopy::core
