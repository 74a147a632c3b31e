// dfs: every schedule up to a preemption bound, by depth-first search over
// decision lists. A run replays a prefix and then follows fifo (index 0),
// recording how many coroutines were ready at each decision; the next prefix
// is the deepest decision that can still be moved one alternative further
// without exceeding the bound. Stateless: each schedule is a fresh run from
// the start, so no snapshot of coroutine stacks is ever needed.
#include "canopy/sim/run.hpp"

namespace canopy::sim {

namespace {

std::uint64_t preemptions(const std::vector<std::uint32_t>& decisions, std::size_t end) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < end; ++i) n += decisions[i] != 0;
  return n;
}

}  // namespace

exploration explore_erased(const options& o, void (*body)(void*), void* context) {
  exploration result;
  options each = o;
  each.strategy = strategy::dfs;
  std::vector<std::uint32_t> prefix = o.decisions;
  const auto bound = static_cast<std::uint64_t>(o.dfs_preemption_bound < 0 ? 0 : o.dfs_preemption_bound);
  for (;;) {
    if (result.schedules >= o.dfs_max_schedules) return result;
    each.decisions = prefix;
    outcome out = run_erased(each, body, context);
    ++result.schedules;
    if (!out.passed) {
      result.failure = std::move(out);
      return result;
    }
    const std::vector<std::uint32_t>& made = out.decisions;
    const std::vector<std::uint32_t>& ready = out.choices;
    std::size_t i = made.size();
    bool found = false;
    while (i > 0) {
      --i;
      if (made[i] + 1 < ready[i] && preemptions(made, i) + 1 <= bound) {
        found = true;
        break;
      }
    }
    if (!found) {
      result.complete = true;
      return result;
    }
    prefix.assign(made.begin(), made.begin() + static_cast<std::ptrdiff_t>(i));
    prefix.push_back(made[i] + 1);
  }
}

}  // namespace canopy::sim
