// Yields of a ping-pong, for counting instructions per yield with callgrind
// (bench_sim times the same ping-pong; this only runs it, once):
//
//   sim_yield_count MODE N     MODE: real, fifo, random or pct; N yields each side
//
// Instructions per yield are the difference of two counts over the
// difference in yields, which cancels the start and the run's setup:
//
//   for n in 1000 21000; do
//     valgrind --tool=callgrind --callgrind-out-file=/dev/null build-bench/bench/sim_yield_count fifo $n 2>&1 |
//       grep Collected
//   done   # then (second - first) / 40000
#include <canopy/canopy.hpp>
#include <canopy/sim/run.hpp>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace sim = canopy::sim;

namespace {

int yields_each = 0;

void ping_pong() {
  canopy::child other = canopy::go([] {
    for (int i = 0; i < yields_each; ++i) (void)canopy::yield();
  });
  for (int i = 0; i < yields_each; ++i) (void)canopy::yield();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc == 3 ? argv[1] : "";
  if (argc == 3) yields_each = std::atoi(argv[2]);
  if (yields_each <= 0 || (mode != "real" && mode != "fifo" && mode != "random" && mode != "pct")) {
    std::fprintf(stderr, "usage: sim_yield_count real|fifo|random|pct YIELDS_EACH_SIDE (> 0)\n");
    return 2;
  }
  if (mode == "real") {
    ping_pong();
    return 0;
  }
  sim::options o;
  o.strategy = mode == "fifo" ? sim::strategy::fifo : mode == "random" ? sim::strategy::random : sim::strategy::pct;
  o.max_steps = 0;
  o.seed = 1;
  sim::outcome r = sim::run(o, ping_pong);
  if (!r.passed) {
    std::fprintf(stderr, "%s\n", r.describe().c_str());
    return 1;
  }
  return 0;
}
