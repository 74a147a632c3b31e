// The real world: CLOCK_MONOTONIC and epoll.
#pragma once

#include "canopy/runtime/platform.hpp"

namespace canopy::core {

/// A platform with the monotonic clock and the calling thread's epoll
/// poller (created on first use, never destroyed by exit(): the runtime
/// stays usable from atexit handlers).
runtime::Platform real_platform();

/// The real clock: CLOCK_MONOTONIC, read on every call. The scheduler
/// recognises it to serve now() from a short-lived cache (scheduler.hpp).
runtime::Clock& monotonic_clock();

/// Frees the calling thread's poller; for the end of a thread whose default
/// scheduler is gone. real_platform() makes a new one if asked again.
void release_real_platform();

}  // namespace canopy::core
