// CANOPY_TRACE: the runtime asks, through its environment hooks
// (canopy/runtime/environment.hpp), for an observer that records the run.
#pragma once

#include "canopy/runtime/event.hpp"

namespace canopy::trace {

/// An observer recording to $CANOPY_TRACE, or null when it is unset (or the
/// file cannot be opened: then a warning is printed once). The same observer
/// on every call; `clock_is_simulated` goes into the trace header.
runtime::Observer* observer_from_environment(bool clock_is_simulated);

}  // namespace canopy::trace
