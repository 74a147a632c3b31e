// check(): fifo, then seeds of random and pct, then dfs; first failure shrunk.
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "canopy/sim/check.hpp"
#include "canopy/sim/coverage.hpp"
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
  // CANOPY_COVERAGE=path: the cancellation coverage of every run, added to the file.
  cancellation_coverage table;
  const char* coverage_path = std::getenv("CANOPY_COVERAGE");
  check_settings with_coverage = settings;
  if (coverage_path != nullptr && *coverage_path != '\0' && settings.base.coverage == nullptr) {
    with_coverage.base.coverage = &table;
    outcome result = check_erased(with_coverage, body, context);
    std::string error;
    if (!table.accumulate_into(coverage_path, error))
      std::fprintf(stderr, "canopy: CANOPY_COVERAGE: %s\n", error.c_str());
    return result;
  }
  std::uint64_t runs = 0, whatif_failures = 0;
  std::optional<outcome> first_whatif;
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
    whatif_failures += last.whatif_failures;
    if (!last.passed && last.whatif.empty()) {
      last.whatif_failures = whatif_failures;
      return last;
    }
    if (!last.passed && !first_whatif) first_whatif = last;
  }
  if (first_whatif) {
    // No real failure: the first what-if failure, labelled, with the count.
    first_whatif->whatif_failures = whatif_failures;
    first_whatif->report += "\n(no real failure in " + std::to_string(runs) + " runs; " +
                            std::to_string(whatif_failures) + " failed after a what-if injection)";
    return *first_whatif;
  }
  last.report = std::to_string(runs) + " simulated runs passed";
  return last;
}

}  // namespace canopy::sim
