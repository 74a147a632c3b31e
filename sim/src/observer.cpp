// The simulation's own observer: sees every event the runtime emits.
#include <cerrno>

#include "canopy/runtime/embedding.hpp"
#include "simulation.hpp"

namespace canopy::sim::detail {

namespace {

/// Events kept with record_events; a run longer than this keeps the start.
constexpr std::size_t max_recorded_events = 1'000'000;

inline void fold(std::uint64_t& hash, std::uint64_t value) {
  // FNV-1a, a word at a time rather than a byte: the hash only has to tell
  // runs apart, and this is on every event's path.
  hash ^= value;
  hash *= 0x100000001b3ull;
  hash ^= hash >> 29;
}

}  // namespace

void SimObserver::attribute_refusal(std::uint64_t id) {
  // An ecanceled event about the running coroutine is a call of its own
  // that failed at once (refused, or injected); one about another coroutine
  // follows the wake that delivered ECANCELED to it, counted there. (A
  // yield cancelled while its coroutine waited in the ready queue is
  // attributed to the last call site served, which may be another's.)
  if (!runtime::has_scheduler() || runtime::running_coroutine() != id) return;
  sim_.injector.refused(id, runtime::served_call_site());
}

void SimObserver::record(const runtime::Event& e) {
  Simulation& s = sim_;
  ++s.stats.events;
  std::uint64_t& h = s.trace_hash;
  fold(h, static_cast<std::uint64_t>(e.kind));
  fold(h, static_cast<std::uint64_t>(e.time_ns));
  fold(h, e.coroutine);
  fold(h, e.other);
  fold(h, e.object);
  fold(h, static_cast<std::uint64_t>(e.reason) << 8 | static_cast<std::uint64_t>(e.object_kind));
  fold(h, static_cast<std::uint64_t>(e.deadline_ms));
  fold(h, static_cast<std::uint64_t>(e.err) << 32 | static_cast<std::uint32_t>(e.side));
  fold(h, e.bytes);
  if (s.opts().record_events && s.events.size() < max_recorded_events) {
    s.events.push_back(describe_event(e));
  }

  const std::uint64_t id = e.coroutine;
  switch (e.kind) {
    case runtime::EventKind::cancel:
      s.injector.closed(id);
      if (id >= cancelled_calls_.size()) cancelled_calls_.resize(id + 1, 0);
      if (cancelled_calls_[id] == 0) cancelled_calls_[id] = 1;
      break;
    case runtime::EventKind::wake:
      s.policy.became_ready(id);
      if (e.err == ECANCELED || e.err == ETIMEDOUT) s.injector.delivered(id, e.err);
      break;
    case runtime::EventKind::block:
      if (e.reason == runtime::BlockReason::yield) s.policy.became_ready(id);
      [[fallthrough]];
    case runtime::EventKind::ecanceled: {
      if (e.kind == runtime::EventKind::block && e.reason == runtime::BlockReason::hclose) break;
      if (id >= cancelled_calls_.size()) {
        if (e.kind == runtime::EventKind::block) break;
        cancelled_calls_.resize(id + 1, 0);
      }
      if (e.kind == runtime::EventKind::ecanceled) attribute_refusal(id);
      std::uint64_t& calls = cancelled_calls_[id];
      if (calls == 0) {
        // An injected ECANCELED cancels without a cancel event.
        if (e.kind == runtime::EventKind::ecanceled) calls = 1;
        break;
      }
      if (++calls > s.opts().cancelled_call_budget + 1 && s.opts().cancelled_call_budget != 0) {
        s.fail(failure_kind::cancelled_still_running,
               "coroutine " + std::to_string(id) + " was cancelled but kept running: " +
                   std::to_string(calls - 1) +
                   " blocking calls after its cancellation (each refused with ECANCELED). A "
                   "cancelled coroutine should clean up and return when a blocking call fails "
                   "with ECANCELED; check the loop around its blocking calls.");
      }
      break;
    }
    default:
      break;
  }
  if (s.opts().observer != nullptr) s.opts().observer->record(e);
}

}  // namespace canopy::sim::detail
