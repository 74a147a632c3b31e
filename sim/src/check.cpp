// check(): fifo, then seeds of random and pct, then dfs; first failure shrunk.
#include <cstdlib>

#include "canopy/sim/check.hpp"
#include "canopy/sim/run.hpp"

namespace canopy::sim {

outcome check_erased(const check_settings& settings, void (*body)(void*), void* context) {
  if (const char* line = std::getenv("CANOPY_REPLAY"); line != nullptr && *line != '\0') {
    std::string error;
    auto o = options::from_replay(line, error);
    if (!o) {
      outcome bad;
      bad.passed = false;
      bad.kind = failure_kind::body_failed;
      bad.report = "CANOPY_REPLAY is not a replay line: " + error;
      return bad;
    }
    return run_erased(*o, body, context);
  }
  std::uint64_t runs = 0;
  outcome last;
  for (strategy s : settings.strategies) {
    options o = settings.base;
    o.strategy = s;
    if (s == strategy::dfs) {
      o.seed = settings.first_seed;
      exploration e = explore_erased(o, body, context);
      runs += e.schedules;
      if (e.failure) {
        outcome f = *e.failure;
        return settings.shrink ? shrink_erased(o, f, body, context) : f;
      }
      continue;
    }
    std::uint64_t count = s == strategy::fifo || s == strategy::replay ? 1 : settings.seeds;
    last = sweep_erased(o, settings.first_seed, count, settings.shrink, body, context);
    runs += count;
    if (!last.passed) return last;
  }
  last.report = std::to_string(runs) + " simulated runs passed";
  return last;
}

}  // namespace canopy::sim
