// Catch2 (2.13) support: run a test body under the simulator over many seeds
// and every strategy, and fail with the replay line.
//
//   #include <catch2/catch.hpp>
//   #include <canopy/sim/catch.hpp>
//
//   TEST_CASE("the worker always sees the configuration") {
//     canopy::sim::check_settings settings;   // 50 seeds, fifo/random/pct/dfs
//     CANOPY_SIM_CHECK(settings, [] {
//       ...canopy or libdill code; canopy::sim::fail("why") on a broken promise...
//     });
//   }
//
// A failure prints the report and a line such as
//   replay: v1:seed=7;strategy=replay;decisions=0,1
// and `CANOPY_REPLAY='v1:seed=7;strategy=replay;decisions=0,1' ./tests "the worker..."`
// runs exactly that schedule again. The matcher form is
//   CHECK_THAT(canopy::sim::run(options, body), canopy::sim::passes());
#pragma once

#include <catch2/catch.hpp>

#include "canopy/sim/check.hpp"
#include "canopy/sim/run.hpp"

namespace canopy::sim {

/// Matches an outcome that passed; describes a failing one with its report
/// and replay line.
class passes_matcher final : public Catch::MatcherBase<outcome> {
 public:
  bool match(const outcome& o) const override { return o.passed; }
  std::string describe() const override { return "passes under the simulator"; }
};

inline passes_matcher passes() { return {}; }

}  // namespace canopy::sim

namespace Catch {
template <>
struct StringMaker<canopy::sim::outcome> {
  static std::string convert(const canopy::sim::outcome& o) { return "\n" + o.describe() + "\n"; }
};
}  // namespace Catch

/// Runs the body (a callable, the last argument) per `settings`
/// (canopy::sim::check_settings) and CHECKs that every run passed.
#define CANOPY_SIM_CHECK(settings, ...) \
  CHECK_THAT(::canopy::sim::check((settings), __VA_ARGS__), ::canopy::sim::passes())
/// As CANOPY_SIM_CHECK, but stops the test case at a failure.
#define CANOPY_SIM_REQUIRE(settings, ...) \
  REQUIRE_THAT(::canopy::sim::check((settings), __VA_ARGS__), ::canopy::sim::passes())
