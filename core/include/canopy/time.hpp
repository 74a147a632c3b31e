// The runtime's clock as a std::chrono clock, and deadlines on it.
//
// Deadlines are absolute, as in libdill: a time point on canopy::clock, or
// forever. Under the simulator the clock is virtual and jumps.
#pragma once

#include <chrono>
#include <cstdint>

#include "canopy/detail/api.hpp"

namespace canopy {

/// Milliseconds on the runtime's monotonic (or simulated) clock; the same
/// numbers as now() in <libdill.h>.
struct clock {
  using rep = std::int64_t;
  using period = std::milli;
  using duration = std::chrono::milliseconds;
  using time_point = std::chrono::time_point<clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept { return time_point(duration(detail::now_ms())); }
};

/// When a blocking call gives up: a time point, forever, or immediately.
class deadline {
 public:
  /// Never give up (libdill's -1).
  static constexpr deadline forever() noexcept { return deadline(-1); }
  /// Succeed only if it can be done right now (libdill's 0).
  static constexpr deadline immediately() noexcept { return deadline(0); }
  constexpr deadline(clock::time_point at) noexcept  // NOLINT: implicit by design
      : ms_(at.time_since_epoch().count() <= 0 ? 1 : at.time_since_epoch().count()) {}
  /// As libdill spells it: absolute ms, -1 forever, 0 immediately.
  static constexpr deadline from_ms(std::int64_t ms) noexcept { return deadline(ms); }
  constexpr std::int64_t ms() const noexcept { return ms_; }

 private:
  constexpr explicit deadline(std::int64_t ms) noexcept : ms_(ms) {}
  std::int64_t ms_;
};

/// The deadline `d` from now.
template <class Rep, class Period>
deadline after(std::chrono::duration<Rep, Period> d) {
  return clock::now() + std::chrono::ceil<clock::duration>(d);
}

}  // namespace canopy
