// A minimal virtual-time platform for core tests: the clock moves only when
// every coroutine is blocked, straight to the next deadline, so tests can
// assert exact times without sleeping. (The full simulator, with seeded
// schedules and faults, lives in sim/; core tests use only this so that a
// failure here points at core.)
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "canopy/runtime/platform.hpp"

namespace canopy::testing {

/// What happened during a run_virtual call.
struct VirtualRun {
  bool finished = false;              ///< the body returned (not abandoned)
  std::string deadlock;               ///< the deadlock report, if there was one
  std::vector<std::string> broken;    ///< structure-broken reports
  std::string crash;                  ///< crash report, if any
  std::uint64_t live_after = 0;       ///< coroutines still alive after the body
  std::uint32_t handles_after = 0;    ///< handles still open after the body
  std::size_t stacks_after = 0;       ///< pooled stacks still in use after the body
};

/// Runs `body` as the main context of a fresh scheduler whose clock starts
/// at `epoch_ms` and jumps. Descriptors are not supported (ENOTSUP).
VirtualRun run_virtual(const std::function<void()>& body, std::int64_t epoch_ms = 1000,
                       runtime::Observer* observer = nullptr);

}  // namespace canopy::testing
