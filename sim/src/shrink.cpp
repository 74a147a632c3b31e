// Shrinking a failing run: replay edited decision and injection lists and
// keep any edit that still fails the same way. Smaller means, in order:
// fewer injected failures, fewer preemptions (non-zero decisions), smaller
// decision values, a shorter list. Each accepted candidate is replaced by
// what its run actually did, so lists stay canonical.
#include <algorithm>
#include <tuple>

#include "canopy/sim/run.hpp"

namespace canopy::sim {

namespace {

std::vector<std::uint32_t> trimmed(std::vector<std::uint32_t> d) {
  while (!d.empty() && d.back() == 0) d.pop_back();
  return d;
}

auto size_of(const outcome& o) {
  std::uint64_t nonzero = 0, total = 0;
  for (std::uint32_t d : o.decisions) {
    nonzero += d != 0;
    total += d;
  }
  return std::make_tuple(o.injections.size(), nonzero, total, trimmed(o.decisions).size());
}

class Shrinker {
 public:
  Shrinker(const options& o, const outcome& failed, void (*body)(void*), void* context, std::uint64_t max_runs)
      : body_(body), context_(context), max_runs_(max_runs), kind_(failed.kind) {
    base_ = o;
    // fifo and dfs keep arrival order for timers, so they replay as dfs.
    base_.strategy = o.strategy == strategy::fifo || o.strategy == strategy::dfs ? strategy::dfs : strategy::replay;
    best_ = failed;
  }

  outcome run() {
    // The failure must reproduce from its lists before they can be edited.
    if (!attempt(trimmed(best_.decisions), best_.injections)) return best_;
    bool progress = true;
    while (progress && runs_ < max_runs_) {
      progress = drop_injections() | zero_chunks() | lower_values();
    }
    return best_;
  }

 private:
  bool attempt(const std::vector<std::uint32_t>& decisions, const std::vector<injection>& injections) {
    if (runs_ >= max_runs_) return false;
    ++runs_;
    options o = base_;
    o.decisions = decisions;
    o.injections = injections;
    outcome out = run_erased(o, body_, context_);
    if (out.passed || out.kind != kind_) return false;
    if (!(size_of(out) < size_of(best_)) && runs_ > 1) return false;
    // What the run did is the canonical form of what it was told.
    out.decisions = trimmed(out.decisions);
    options canonical = base_;
    canonical.decisions = out.decisions;
    canonical.injections = out.injections;
    out.replay = canonical.replay_line();
    best_ = std::move(out);
    return true;
  }

  bool drop_injections() {
    bool any = false;
    for (std::size_t i = 0; i < best_.injections.size();) {
      std::vector<injection> fewer = best_.injections;
      fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
      if (attempt(trimmed(best_.decisions), fewer)) {
        any = true;
      } else {
        ++i;
      }
    }
    return any;
  }

  // Delta debugging over the list: set whole chunks of decisions to fifo.
  bool zero_chunks() {
    bool any = false;
    std::size_t n = trimmed(best_.decisions).size();
    for (std::size_t chunk = std::max<std::size_t>(n / 2, 1); chunk >= 1; chunk /= 2) {
      for (std::size_t start = 0; start < trimmed(best_.decisions).size(); start += chunk) {
        std::vector<std::uint32_t> d = trimmed(best_.decisions);
        bool changes = false;
        for (std::size_t i = start; i < std::min(start + chunk, d.size()); ++i) {
          changes |= d[i] != 0;
          d[i] = 0;
        }
        if (changes && attempt(trimmed(d), best_.injections)) any = true;
      }
      if (chunk == 1) break;
    }
    return any;
  }

  bool lower_values() {
    bool any = false;
    for (std::size_t i = 0; i < best_.decisions.size(); ++i) {
      if (best_.decisions[i] <= 1) continue;
      std::vector<std::uint32_t> d = trimmed(best_.decisions);
      d[i] = 1;
      if (attempt(d, best_.injections)) any = true;
    }
    return any;
  }

  void (*body_)(void*);
  void* context_;
  std::uint64_t max_runs_;
  std::uint64_t runs_ = 0;
  failure_kind kind_;
  options base_;
  outcome best_;
};

}  // namespace

outcome shrink_erased(const options& o, const outcome& failed, void (*body)(void*), void* context,
                      std::uint64_t max_runs) {
  if (failed.passed) return failed;
  return Shrinker(o, failed, body, context, max_runs).run();
}

}  // namespace canopy::sim
