// The real clock: CLOCK_MONOTONIC, read on every call. libdill caches a
// coarse clock (4 ms steps); deadlines here are exact to the reading, and
// now() reuses a reading for at most 0.2 ms (Scheduler::now_ms).
#include <time.h>

#include "real_platform.hpp"

namespace canopy::core {

class MonotonicClock final : public runtime::Clock {
 public:
  std::int64_t now_ns() override {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  }
};

runtime::Clock& monotonic_clock() {
  // Never destroyed: an atexit handler registered before the runtime
  // started runs after static destructors, and may still read the time.
  static MonotonicClock* const clock = new MonotonicClock;
  return *clock;
}

}  // namespace canopy::core
