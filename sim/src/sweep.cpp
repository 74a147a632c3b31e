// sweep(): consecutive seeds until the first real failure, which is shrunk.
// Runs that failed after a what-if injection are counted apart: the sweep
// goes on looking for a real failure, and returns the first what-if failure
// (labelled) only when no real one turned up.
#include <optional>

#include "canopy/sim/run.hpp"

namespace canopy::sim {

namespace {
outcome shrunk(const options& o, const outcome& failed, void (*body)(void*), void* context) {
  outcome small = shrink_erased(o, failed, body, context);
  if (small.replay != failed.replay) small.report += "\n(shrunk from " + failed.replay + ")";
  return small;
}
}  // namespace

outcome sweep_erased(const options& o, std::uint64_t first_seed, std::uint64_t count, bool shrink_failure,
                     void (*body)(void*), void* context) {
  outcome last;
  options each = o;
  std::uint64_t whatif_failures = 0;
  std::optional<std::pair<options, outcome>> first_whatif;
  for (std::uint64_t i = 0; i < count; ++i) {
    each.seed = first_seed + i;
    last = run_erased(each, body, context);
    if (last.passed) continue;
    if (!last.whatif.empty()) {
      ++whatif_failures;
      if (!first_whatif) first_whatif.emplace(each, last);
      continue;
    }
    outcome real = shrink_failure ? shrunk(each, last, body, context) : last;
    real.whatif_failures = whatif_failures;
    return real;
  }
  if (first_whatif) {
    outcome w = shrink_failure ? shrunk(first_whatif->first, first_whatif->second, body, context) : first_whatif->second;
    w.whatif_failures = whatif_failures;
    return w;
  }
  last.whatif_failures = 0;
  return last;
}

}  // namespace canopy::sim
