// The determinism self-check: the same options must give the same events.
#include <algorithm>

#include "canopy/sim/run.hpp"

namespace canopy::sim {

std::optional<std::string> check_determinism_erased(const options& o, void (*body)(void*), void* context) {
  options recorded = o;
  recorded.record_events = true;
  outcome first = run_erased(recorded, body, context);
  outcome second = run_erased(recorded, body, context);
  std::size_t n = std::min(first.events.size(), second.events.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (first.events[i] != second.events[i]) {
      return "the runs differ at event " + std::to_string(i) + ": first run \"" + first.events[i] +
             "\", second run \"" + second.events[i] +
             "\" (something outside the simulation decides: the wall clock, a real descriptor, "
             "an address, an unseeded random number, or state kept between runs)";
    }
  }
  if (first.events.size() != second.events.size()) {
    return "the runs agree for " + std::to_string(n) + " events, then one has " +
           std::to_string(first.events.size()) + " and the other " + std::to_string(second.events.size());
  }
  if (first.kind != second.kind) {
    return std::string("the runs have the same events but end differently: ") + to_string(first.kind) +
           " and " + to_string(second.kind);
  }
  return std::nullopt;
}

}  // namespace canopy::sim
