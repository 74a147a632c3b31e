// What-if injection and coverage of call sites.
//
// Every blocking call asks before_block() first. With CANOPY_WHATIF (the
// what-if fields of options) seeded mode draws, per call,
// whether to fail it now with ECANCELED (coroutines other than main: main
// has no handle anyone could close) or ETIMEDOUT (calls with a deadline).
// Planned mode (replays, shrinking) injects exactly a given list. Either way
// the call site is counted, so the coverage report can say which places in
// the program were ever made to see ECANCELED or ETIMEDOUT.
#include <cerrno>

#include "abort_note.hpp"
#include "simulation.hpp"
#include "symbolize.hpp"

namespace canopy::sim::detail {

SimInjector::SimInjector(Simulation& sim) : sim_(sim) {}

SimInjector::Counts& SimInjector::counts_for(const void* call_site) {
  auto it = by_address_.find(call_site);
  if (it != by_address_.end()) return *it->second;
  Counts* c = &sites_[symbolize_cached(call_site)];
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
  } else if (o.whatif_cancel || o.whatif_timeout) {
    err = sim_.choices().whatif(o.whatif_per_mille, o.whatif_cancel && may_cancel, o.whatif_timeout && has_deadline);
  }
  if (err == ECANCELED) {
    injected_for_ = id;
    close_state(id) = Close::whatif;
  }
  if (err != 0) {
    ++site.whatif;
    if (sim_.injections.empty()) {
      sim_.first_whatif = std::string(err == ECANCELED ? "ECANCELED" : "ETIMEDOUT") + " injected into " +
                          (id == runtime::main_coroutine ? std::string("main") : "coroutine " + std::to_string(id)) +
                          " at blocking call " + std::to_string(k) + ", " + symbolize(call_site) +
                          (err == ECANCELED ? ", though nobody closed it" : ", before its deadline");
    }
    sim_.injections.push_back({k, err});
    set_whatif_note(sim_.whatif_note());
    (err == ECANCELED ? site.ecanceled : site.etimedout) += 1;
  }
  return err;
}

SimInjector::Close& SimInjector::close_state(std::uint64_t id) {
  if (id >= close_.size()) close_.resize(id + 1, Close::none);
  return close_[id];
}

void SimInjector::closed(std::uint64_t id) {
  Close& c = close_state(id);
  if (c == Close::none) c = Close::pending;
}

void SimInjector::delivered(std::uint64_t id, int err) {
  if (id >= last_site_.size() || last_site_[id] == nullptr) return;
  Counts& c = *last_site_[id];
  (err == ECANCELED ? c.ecanceled : c.etimedout) += 1;
  // Only a close wakes a blocked coroutine with ECANCELED.
  if (err == ECANCELED && close_state(id) == Close::pending) {
    close_state(id) = Close::landed;
    ++c.closes;
  }
}

void SimInjector::refused(std::uint64_t id, const void* call_site) {
  if (injected_for_ == id) {
    injected_for_ = runtime::no_coroutine;
    return;
  }
  Counts& c = counts_for(call_site);
  ++c.calls;
  ++c.ecanceled;
  Close& state = close_state(id);
  if (state == Close::pending) {
    state = Close::landed;
    ++c.closes;
  } else if (state == Close::landed) {
    ++c.refused_after_close;
  }
}

std::vector<call_site_coverage> SimInjector::coverage() const {
  std::vector<call_site_coverage> out;
  for (const auto& [name, c] : sites_)
    out.push_back({name, c.calls, c.ecanceled, c.etimedout, c.closes, c.refused_after_close, c.whatif});
  return out;
}

}  // namespace canopy::sim::detail
