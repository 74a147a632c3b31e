// PCT (Burckhardt et al., ASPLOS 2010): every coroutine gets a random
// priority above d when first seen; the highest-priority ready one runs. At
// d-1 steps chosen uniformly among the first n, the coroutine that last ran
// drops to priority d-i, below every initial one. A bug of depth d is found
// with probability at least 1/(k * n^(d-1)) per run for k coroutines.
//
// Apart from the other strategies (strategies.cpp) because the policy's
// quick pick (policy.cpp) asks it directly, once no priority can change.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "strategy.hpp"

namespace canopy::sim::detail {

class Pct final : public Strategy {
 public:
  /// choose_settled's answer when the general path must decide.
  static constexpr std::size_t undecided = SIZE_MAX;

  Pct(ChoiceSource& choices, int depth, std::uint64_t steps) : choices_(choices) {
    int d = std::max(depth, 1);
    depth_ = d;
    std::uint64_t n = std::max<std::uint64_t>(steps, 1);
    for (int i = 1; i < d; ++i) change_points_.push_back(1 + choices_.below(stream::schedule, n));
    for (std::uint64_t c : change_points_) last_change_point_ = std::max(last_change_point_, c);
  }

  std::size_t choose(const runtime::ReadyView& ready, std::uint64_t) override {
    const std::size_t best = highest(ready, [this](std::uint64_t id) { return priority(id); });
    assert(best != undecided && "every priority pct gives is above 0, so choose always decides");
    return best;
  }

  /// choose() and step() at once, for step `step`, when nothing can change
  /// but last_picked_: past the last change point, every ready coroutine
  /// already has its priority (none is drawn). Otherwise `undecided`, and
  /// nothing has changed. The caller then calls ran_settled with the pick.
  [[gnu::always_inline]] std::size_t choose_settled(const runtime::ReadyView& ready, std::uint64_t step) const {
    if (step <= last_change_point_) return undecided;
    const std::uint64_t* priorities = priorities_.data();
    const std::size_t known = priorities_.size();
    return highest(ready, [priorities, known](std::uint64_t id) { return id < known ? priorities[id] : 0; });
  }
  /// step()'s effect once choose_settled has picked coroutine `picked_id`.
  [[gnu::always_inline]] void ran_settled(std::uint64_t picked_id) { last_picked_ = picked_id; }

  bool counts_steps() const override { return true; }
  void step(std::uint64_t step, std::uint64_t picked_id) override {
    if (step <= last_change_point_) change_priority(step);
    last_picked_ = picked_id;
    (void)priority(picked_id);
  }

 private:
  /// The position of the ready coroutine whose `priority_of` is highest,
  /// or `undecided` when one of them has none (0). Ties (never among
  /// initial priorities, which are distinct with overwhelming probability)
  /// go to the older position: fifo.
  template <class PriorityOf>
  [[gnu::always_inline]] static std::size_t highest(const runtime::ReadyView& ready, PriorityOf priority_of) {
    std::size_t best = 0;
    std::uint64_t best_priority = 0;
    const std::size_t n = ready.size();
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t p = priority_of(ready.id(i));
      if (p == 0) return undecided;
      if (p > best_priority) {
        best = i;
        best_priority = p;
      }
    }
    return best;
  }
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

}  // namespace canopy::sim::detail
