// How a thread's default scheduler learns from the environment whether to run
// on the simulator (CANOPY_SEED) and whether to record (CANOPY_TRACE).
//
// Core reads no such variable itself and names no layer above it: the layers
// that can answer (sim/, trace/) are listed in one table, defined by the
// runtime library that links them together (library/environment_hooks.cpp).
// Core refers to that table, so a static link always brings the hooks in,
// and the table is constant data, so no static-initialization order can make
// a program start on the real platform when CANOPY_SEED is set.
#pragma once

#include "canopy/runtime/platform.hpp"

namespace canopy::runtime {

/// The questions core asks the environment, once per process, when the main
/// thread first uses the runtime. A null hook means "nothing from there".
struct EnvironmentHooks {
  /// The platform the main thread runs on, or null for the real one
  /// (sim/: CANOPY_SEED, CANOPY_REPLAY). Exits the process with status 2
  /// and a sentence when the variables are malformed.
  Platform* (*platform)() = nullptr;
  /// An observer recording the run, or null when nothing records it
  /// (trace/: CANOPY_TRACE). `clock_is_simulated` goes into the trace
  /// header. Returns the same observer on every call.
  Observer* (*observer)(bool clock_is_simulated) = nullptr;
  /// Told just before the real runtime ends the process itself (a deadlock,
  /// a crashed coroutine), with how ("deadlock", "crashed"), the exit status
  /// and the report, so that the recorder can end the trace saying so
  /// (trace/: CANOPY_TRACE). Returns; the runtime then exits.
  void (*process_ending)(const char* how, int status, const char* report) = nullptr;
};

/// The hooks of the layers linked into this runtime library. Defined once,
/// by the library's composition, never by users.
extern const EnvironmentHooks linked_environment_hooks;

/// The environment's observer (the linked observer hook), or null: what a
/// platform hook calls to forward events to the recorder.
Observer* observer_from_environment(bool clock_is_simulated);

}  // namespace canopy::runtime
