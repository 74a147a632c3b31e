// The realizable modes of the simulator, one options value each, as the
// soundness test and the modes benchmark (bench/sim_modes.cpp) run them.
#pragma once

#include <string>
#include <vector>

#include "canopy/sim/options.hpp"

namespace sim_modes {

struct mode {
  std::string name;
  canopy::sim::options options;
};

/// fifo, random, pct at depths 1..3, random with jitter, with slow steps,
/// with directed cancellation, and auto. Budgets small enough that a
/// livelock ends a run quickly.
inline std::vector<mode> realizable() {
  using canopy::sim::strategy;
  auto make = [](const char* name, strategy s, int depth = 3) {
    mode m{name, {}};
    m.options.strategy = s;
    m.options.pct_depth = depth;
    m.options.max_steps = 200'000;
    return m;
  };
  std::vector<mode> all;
  all.push_back(make("fifo", strategy::fifo));
  all.push_back(make("random", strategy::random));
  all.push_back(make("pct d=1", strategy::pct, 1));
  all.push_back(make("pct d=2", strategy::pct, 2));
  all.push_back(make("pct d=3", strategy::pct, 3));
  mode jitter = make("random + jitter 20 ms", strategy::random);
  jitter.options.jitter_ms = 20;
  all.push_back(jitter);
  mode slow = make("random + slow steps 20 ms", strategy::random);
  slow.options.slow_ms = 20;
  all.push_back(slow);
  mode directed = make("random + directed cancellation", strategy::random);
  directed.options.directed_cancel = true;
  all.push_back(directed);
  all.push_back(make("auto", strategy::automatic));
  return all;
}

}  // namespace sim_modes
