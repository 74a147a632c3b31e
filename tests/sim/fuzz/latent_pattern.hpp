// A test body with a latent interleaving bug, the C++ twin of latent.c's
// `pattern` bug: two movers make `depth` moves each, yielding before every
// move; the promise is that their moves never follow the pattern
// ABBAABAB... (2 * depth moves). A schedule with few priority changes (pct)
// cannot follow it, a blind one does with chance 2^-(2 * depth), and each
// move matched is a branch a coverage-guided fuzzer can climb.
#pragma once

#include <canopy/canopy.hpp>
#include <canopy/sim/run.hpp>

namespace sim_test {

template <int depth>
void latent_pattern() {
  static_assert(depth >= 1 && depth <= 8, "the pattern has 16 moves");
  constexpr const char* pattern = "ABBAABABBABAABBA";
  int matched = 0;
  bool strayed = false;
  {
    canopy::bundle movers;
    for (int id = 0; id < 2; ++id) {
      movers.go([&, id] {
        for (int i = 0; i < depth; ++i) {
          (void)canopy::yield();
          if (strayed) continue;
          if (pattern[matched] != "AB"[id]) {
            strayed = true;
            continue;
          }
          ++matched;
        }
      });
    }
    (void)movers.wait(canopy::deadline::forever());
  }
  if (matched == 2 * depth) canopy::sim::fail("the movers followed the pattern");
}

}  // namespace sim_test
