// Scheduling strategies: given the ready queue at a step where more than one
// coroutine is ready, which one runs. The Policy (policy.hpp) counts steps,
// records decisions and enforces budgets around them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "canopy/sim/options.hpp"
#include "choices.hpp"
#include "canopy/runtime/platform.hpp"

namespace canopy::sim::detail {

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// Index into `ready` (size >= 2) to run at decision number `decision`.
  virtual std::size_t choose(const runtime::ReadyView& ready, std::uint64_t decision) = 0;
  /// Told of every step, also those with one coroutine ready (pct counts
  /// them), when counts_steps() says so.
  virtual void step(std::uint64_t /*step*/, std::uint64_t /*picked_id*/) {}
  /// Whether step() does anything: the policy skips the call otherwise, at
  /// every step.
  virtual bool counts_steps() const { return false; }
  /// Whether choose() is just the choice source's decision(): the policy
  /// then asks the source itself, one virtual call instead of two.
  virtual bool draws_decisions() const { return false; }
};

/// The strategy `o` names, drawing from `choices` (which must outlive it);
/// dfs runs as `replay` of its current prefix, and a fuzz input's run takes
/// every decision from its bytes.
std::unique_ptr<Strategy> make_strategy(const options& o, ChoiceSource& choices);

}  // namespace canopy::sim::detail
