// A test body with a latent ordering bug, shared by an ordinary test (under
// canopy::sim::check, tests/sim/fuzz_test.cpp) and a libFuzzer target
// (tests/sim/fuzz/latent_order_fuzz.cpp): one body serves both.
//
// `depth` workers do different amounts of work (worker i yields
// 2*(depth-i)-1 times) and then mark their turn; the promise is that they
// never all finish longest first, which the real runtime's order never
// does. Each partial order is a branch of its own, stepping stones for a
// coverage-guided fuzzer.
#pragma once

#include <canopy/canopy.hpp>
#include <canopy/sim/run.hpp>

namespace sim_test {

template <int depth>
void latent_order() {
  int stage = 0;
  {
    canopy::bundle workers;
    for (int i = 0; i < depth; ++i) {
      workers.go([&stage, i] {
        for (int k = 0; k < 2 * (depth - i) - 1; ++k) (void)canopy::yield();
        if (stage == i) ++stage;
      });
    }
    (void)workers.wait(canopy::deadline::forever());
  }
  if (stage == depth) canopy::sim::fail("the workers finished longest first");
}

}  // namespace sim_test
