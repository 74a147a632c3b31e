// Cancellation-point injection and coverage of call sites.
//
// Every blocking call asks before_block() first. Seeded mode draws, per call,
// whether to fail it now with ECANCELED (coroutines other than main: main
// has no handle anyone could close) or ETIMEDOUT (calls with a deadline).
// Planned mode (replays, shrinking) injects exactly a given list. Either way
// the call site is counted, so the coverage report can say which places in
// the program were ever made to see ECANCELED or ETIMEDOUT.
#include <cerrno>

#include "simulation.hpp"
#include "symbolize.hpp"

namespace canopy::sim::detail {

SimInjector::SimInjector(Simulation& sim) : sim_(sim), rng_(sim.opts().seed, stream::inject) {}

SimInjector::Counts& SimInjector::counts_for(const void* call_site) {
  auto it = by_address_.find(call_site);
  if (it != by_address_.end()) return *it->second;
  Counts* c = &sites_[symbolize(call_site)];
  by_address_.emplace(call_site, c);
  return *c;
}

int SimInjector::before_block(std::uint64_t id, runtime::BlockReason reason, const void* call_site,
                              bool has_deadline) {
  std::uint64_t k = calls_++;
  Counts& site = counts_for(call_site);
  ++site.calls;
  if (id >= last_site_.size()) last_site_.resize(id + 1, nullptr);
  last_site_[id] = &site;
  (void)reason;
  const options& o = sim_.opts();
  bool may_cancel = id != runtime::main_coroutine;
  int err = 0;
  if (o.injections) {
    const std::vector<injection>& plan = *o.injections;
    while (next_planned_ < plan.size() && plan[next_planned_].call_index < k) ++next_planned_;
    if (next_planned_ < plan.size() && plan[next_planned_].call_index == k) {
      int wanted = plan[next_planned_++].err;
      // An edited plan may ask for what cannot happen at this call; skip it.
      if ((wanted == ECANCELED && may_cancel) || (wanted == ETIMEDOUT && has_deadline)) err = wanted;
    }
  } else if (sim_.fuzz.active()) {
    err = sim_.fuzz.injection(o.inject_per_mille, o.inject_cancel && may_cancel, o.inject_timeout && has_deadline);
  } else if (o.inject_cancel || o.inject_timeout) {
    if (rng_.below(1000) < static_cast<std::uint64_t>(o.inject_per_mille)) {
      bool cancel = o.inject_cancel && may_cancel;
      bool timeout = o.inject_timeout && has_deadline;
      if (cancel && timeout) {
        err = rng_.below(2) == 0 ? ECANCELED : ETIMEDOUT;
      } else if (cancel) {
        err = ECANCELED;
      } else if (timeout) {
        err = ETIMEDOUT;
      }
    }
  }
  if (err == ECANCELED) injected_for_ = id;
  if (err != 0) {
    sim_.injections.push_back({k, err});
    (err == ECANCELED ? site.ecanceled : site.etimedout) += 1;
  }
  return err;
}

void SimInjector::delivered(std::uint64_t id, int err) {
  if (id >= last_site_.size() || last_site_[id] == nullptr) return;
  Counts& c = *last_site_[id];
  (err == ECANCELED ? c.ecanceled : c.etimedout) += 1;
}

void SimInjector::refused(std::uint64_t id, const void* call_site) {
  if (injected_for_ == id) {
    injected_for_ = runtime::no_coroutine;
    return;
  }
  Counts& c = counts_for(call_site);
  ++c.calls;
  ++c.ecanceled;
}

std::vector<call_site_coverage> SimInjector::coverage() const {
  std::vector<call_site_coverage> out;
  for (const auto& [name, c] : sites_) out.push_back({name, c.calls, c.ecanceled, c.etimedout});
  return out;
}

}  // namespace canopy::sim::detail
