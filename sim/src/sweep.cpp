// sweep(): consecutive seeds until the first failure, which is shrunk.
#include "canopy/sim/run.hpp"

namespace canopy::sim {

outcome sweep_erased(const options& o, std::uint64_t first_seed, std::uint64_t count, bool shrink_failure,
                     void (*body)(void*), void* context) {
  outcome last;
  options each = o;
  for (std::uint64_t i = 0; i < count; ++i) {
    each.seed = first_seed + i;
    last = run_erased(each, body, context);
    if (last.passed) continue;
    if (!shrink_failure) return last;
    outcome small = shrink_erased(each, last, body, context);
    if (small.replay != last.replay) small.report += "\n(shrunk from " + last.replay + ")";
    return small;
  }
  return last;
}

}  // namespace canopy::sim
