// fifo, random and replay, and the factory that also makes pct (pct.hpp).
// dfs is replay of a prefix chosen by the explorer (explore.cpp), so it has
// no class of its own.
#include <algorithm>
#include <cassert>

#include "pct.hpp"
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
