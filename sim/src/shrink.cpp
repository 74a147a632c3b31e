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
  std::uint64_t nonzero = 0, total = 0, slow_ms = 0;
  for (std::uint32_t d : o.decisions) {
    nonzero += d != 0;
    total += d;
  }
  for (const slow_step& s : o.slow_steps) slow_ms += static_cast<std::uint64_t>(s.ms);
  return std::make_tuple(o.injections.size(), o.slow_steps.size(), nonzero, total, trimmed(o.decisions).size(),
                         slow_ms);
}

/// One candidate: what the shrinker tells a replay to do.
struct Plan {
  std::vector<std::uint32_t> decisions;
  std::vector<injection> injections;
  std::vector<slow_step> slow;
};

class Shrinker {
 public:
  Shrinker(const options& o, const outcome& failed, void (*body)(void*), void* context, std::uint64_t max_runs)
      : body_(body), context_(context), max_runs_(max_runs), kind_(failed.kind) {
    base_ = o.resolved();
    base_.coverage = nullptr;  // the replays of shrinking are not runs of the sweep
    // fifo and dfs keep arrival order for timers, so they replay as dfs.
    base_.strategy = base_.strategy == strategy::fifo || base_.strategy == strategy::dfs ? strategy::dfs : strategy::replay;
    best_ = failed;
  }

  outcome run() {
    // The failure must reproduce from its lists before they can be edited.
    if (!attempt(current())) return best_;
    bool progress = true;
    while (progress && runs_ < max_runs_) {
      progress = drop_each(&Plan::injections) | drop_each(&Plan::slow) | zero_chunks() | lower_values() |
                 shorten_slow_steps();
    }
    return best_;
  }

 private:
  Plan current() const { return {trimmed(best_.decisions), best_.injections, best_.slow_steps}; }

  bool attempt(const Plan& plan) {
    if (runs_ >= max_runs_) return false;
    ++runs_;
    options o = base_;
    o.decisions = plan.decisions;
    o.injections = plan.injections;
    if (o.slow_ms != 0 || o.slow_steps || o.directed_cancel) o.slow_steps = plan.slow;
    outcome out = run_erased(o, body_, context_);
    if (out.passed || out.kind != kind_) return false;
    if (!(size_of(out) < size_of(best_)) && runs_ > 1) return false;
    // What the run did is the canonical form of what it was told.
    out.decisions = trimmed(out.decisions);
    options canonical = base_;
    canonical.decisions = out.decisions;
    canonical.injections = out.injections;
    if (canonical.slow_ms != 0 || canonical.slow_steps || canonical.directed_cancel) canonical.slow_steps = out.slow_steps;
    out.replay = canonical.replay_line();
    best_ = std::move(out);
    return true;
  }

  // Drops the entries of one of the plan's lists, one at a time, keeping
  // each drop that still fails the same way.
  template <class T>
  bool drop_each(std::vector<T> Plan::*list) {
    bool any = false;
    for (std::size_t i = 0; i < (current().*list).size();) {
      Plan p = current();
      (p.*list).erase((p.*list).begin() + static_cast<std::ptrdiff_t>(i));
      if (attempt(p)) {
        any = true;
      } else {
        ++i;
      }
    }
    return any;
  }

  // A slow step that must stay may still be shorter: try halving it.
  bool shorten_slow_steps() {
    bool any = false;
    for (std::size_t i = 0; i < best_.slow_steps.size(); ++i) {
      if (best_.slow_steps[i].ms <= 1) continue;
      Plan p = current();
      p.slow[i].ms /= 2;
      if (attempt(p)) any = true;
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
        Plan p = current();
        p.decisions = trimmed(d);
        if (changes && attempt(p)) any = true;
      }
      if (chunk == 1) break;
    }
    return any;
  }

  bool lower_values() {
    bool any = false;
    for (std::size_t i = 0; i < best_.decisions.size(); ++i) {
      if (best_.decisions[i] <= 1) continue;
      Plan p = current();
      p.decisions[i] = 1;
      if (attempt(p)) any = true;
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
