// What the running coroutine can do to itself: yield, sleep, watch descriptors.
#pragma once

#include <chrono>
#include <cstddef>

#include "canopy/detail/api.hpp"
#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy {

/// Lets every other ready coroutine run first. cancelled() once closed.
CANOPY_CALL_SITE status yield() { return status{detail::yield()}; }

/// Sleeps until `until`: ok, or cancelled().
CANOPY_CALL_SITE status sleep_until(deadline until) { return status{detail::msleep(until.ms())}; }

/// Sleeps for `d`: ok, or cancelled().
template <class Rep, class Period>
CANOPY_CALL_SITE status sleep_for(std::chrono::duration<Rep, Period> d) {
  return sleep_until(after(d));
}

/// Waits until `fd` is readable: ok, timed_out(), cancelled(), EBUSY when
/// another coroutine already waits to read it.
CANOPY_CALL_SITE status wait_readable(int fd, deadline until = deadline::forever()) {
  return status{detail::fd_wait(fd, false, until.ms())};
}

/// Waits until `fd` is writable.
CANOPY_CALL_SITE status wait_writable(int fd, deadline until = deadline::forever()) {
  return status{detail::fd_wait(fd, true, until.ms())};
}

/// Forgets `fd` before it is closed (fdclean). EBUSY while someone waits on it.
inline status forget_fd(int fd) { return status{detail::fd_clean(fd)}; }

/// Stack size of coroutines this thread spawns from now on, when their
/// go_options do not say (default 256 KiB, or CANOPY_STACK_BYTES).
inline void set_default_stack_bytes(std::size_t bytes) { detail::set_default_stack_bytes(bytes); }

}  // namespace canopy
