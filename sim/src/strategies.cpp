// fifo, random, pct and replay. dfs is replay of a prefix chosen by the
// explorer (explore.cpp), so it has no class of its own.
#include <algorithm>
#include <cassert>

#include "strategy.hpp"

namespace canopy::sim::detail {
namespace {

class Fifo final : public Strategy {
 public:
  std::size_t choose(const runtime::ReadyView&, std::uint64_t) override { return 0; }
};

// Each decision drawn from the choice source: uniform from the seed's
// schedule stream, or a fuzz input's next bytes.
class Random final : public Strategy {
 public:
  explicit Random(ChoiceSource& choices) : choices_(choices) {}
  std::size_t choose(const runtime::ReadyView& ready, std::uint64_t) override {
    return choices_.decision(ready.size());
  }
  bool draws_decisions() const override { return true; }

 private:
  ChoiceSource& choices_;
};

// PCT (Burckhardt et al., ASPLOS 2010): every coroutine gets a random
// priority above d when first seen; the highest-priority ready one runs. At
// d-1 steps chosen uniformly among the first n, the coroutine that last ran
// drops to priority d-i, below every initial one. A bug of depth d is found
// with probability at least 1/(k * n^(d-1)) per run for k coroutines.
class Pct final : public Strategy {
 public:
  Pct(ChoiceSource& choices, int depth, std::uint64_t steps) : choices_(choices) {
    int d = std::max(depth, 1);
    depth_ = d;
    std::uint64_t n = std::max<std::uint64_t>(steps, 1);
    for (int i = 1; i < d; ++i) change_points_.push_back(1 + choices_.below(stream::schedule, n));
    for (std::uint64_t c : change_points_) last_change_point_ = std::max(last_change_point_, c);
  }
  std::size_t choose(const runtime::ReadyView& ready, std::uint64_t) override {
    std::size_t best = 0;
    std::uint64_t best_priority = 0;
    const std::size_t n = ready.size();
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t p = priority(ready.id(i));
      // Ties (never among initial priorities, which are distinct with
      // overwhelming probability) go to the older position: fifo.
      if (i == 0 || p > best_priority) {
        best = i;
        best_priority = p;
      }
    }
    return best;
  }
  bool counts_steps() const override { return true; }
  void step(std::uint64_t step, std::uint64_t picked_id) override {
    if (step <= last_change_point_) change_priority(step);
    last_picked_ = picked_id;
    (void)priority(picked_id);
  }

 private:
  void change_priority(std::uint64_t step) {
    for (std::size_t i = 0; i < change_points_.size(); ++i) {
      if (change_points_[i] == step && last_picked_ != runtime::no_coroutine) {
        slot(last_picked_) = static_cast<std::uint64_t>(depth_) - 1 - i;
      }
    }
  }
  std::uint64_t& slot(std::uint64_t id) {
    // Ids are small sequence numbers, so a vector indexed by id suffices.
    if (id >= priorities_.size()) [[unlikely]] priorities_.resize(id + 1, 0);
    return priorities_[id];
  }
  std::uint64_t priority(std::uint64_t id) {
    std::uint64_t& p = slot(id);
    if (p == 0) [[unlikely]] p = static_cast<std::uint64_t>(depth_) + 1 + (choices_.next(stream::schedule) >> 2);
    return p;
  }
  ChoiceSource& choices_;
  int depth_ = 1;
  std::vector<std::uint64_t> change_points_;
  std::uint64_t last_change_point_ = 0;  ///< no change after this step
  std::vector<std::uint64_t> priorities_;  ///< 0: not seen yet
  std::uint64_t last_picked_ = runtime::no_coroutine;
};

class Replay final : public Strategy {
 public:
  explicit Replay(std::vector<std::uint32_t> decisions) : decisions_(std::move(decisions)) {}
  std::size_t choose(const runtime::ReadyView& ready, std::uint64_t decision) override {
    if (decision >= decisions_.size()) return 0;
    return decisions_[decision] % ready.size();
  }

 private:
  std::vector<std::uint32_t> decisions_;
};

}  // namespace

std::unique_ptr<Strategy> make_strategy(const options& o, ChoiceSource& choices) {
  // A fuzz input's run is a replay (its line says so) whose decisions are the input's.
  if (o.fuzz_choices) return std::make_unique<Random>(choices);
  switch (o.strategy) {
    case strategy::fifo: return std::make_unique<Fifo>();
    case strategy::random: return std::make_unique<Random>(choices);
    case strategy::pct: return std::make_unique<Pct>(choices, o.pct_depth, o.pct_steps);
    case strategy::dfs:
    case strategy::replay: return std::make_unique<Replay>(o.decisions);
    case strategy::automatic: break;  // resolved to one of the above before a run (options::resolved)
  }
  assert(false && "every strategy has a class");
  return std::make_unique<Fifo>();
}

}  // namespace canopy::sim::detail
