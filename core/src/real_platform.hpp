// The real world: CLOCK_MONOTONIC and epoll.
#pragma once

#include "canopy/runtime/platform.hpp"

namespace canopy::core {

/// A platform with the monotonic clock and a new epoll poller for the
/// calling thread (created once per thread, freed at thread exit).
runtime::Platform real_platform();

}  // namespace canopy::core
