// How a thread's default scheduler learns, from the environment, whether to
// run on the simulator (CANOPY_SEED) and whether to record (CANOPY_TRACE).
// Defined by sim/ and trace/; core only calls them, so the simulator lives
// apart from the code it simulates.
#pragma once

#include "runtime/platform.hpp"

namespace canopy::sim {
/// The platform the process's main thread should run on, or null for the
/// real one. Called once, when the main thread first uses the runtime.
runtime::Platform* platform_from_environment();
}  // namespace canopy::sim

namespace canopy::trace {
/// An observer recording to $CANOPY_TRACE, or null when it is unset. Called
/// once per process, for the main thread's scheduler, after the platform is
/// chosen; `clock_is_simulated` goes into the trace header.
runtime::Observer* observer_from_environment(bool clock_is_simulated);
}  // namespace canopy::trace
