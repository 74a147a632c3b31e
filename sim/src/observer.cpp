// The simulation's own observer: sees every event the runtime emits.
#include <cerrno>

#include "canopy/runtime/embedding.hpp"
#include "simulation.hpp"

namespace canopy::sim::detail {

namespace {

/// Events kept with record_events; a run longer than this keeps the start.
constexpr std::size_t max_recorded_events = 1'000'000;

inline std::uint64_t rotate(std::uint64_t v, int bits) { return (v << bits) | (v >> (64 - bits)); }

/// Two words into one, well mixed: the halves of their 128-bit product.
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

/// One event into the trace hash, in few instructions since this is on
/// every event's path: the small fields share one word, coroutine ids and
/// object ids (small numbers) each share one with a field turned half a word
/// over, and each multiplication folds two words. The hash only has to tell
/// runs apart.
inline void fold_event(std::uint64_t& hash, const runtime::Event& e) {
  const std::uint64_t small = static_cast<std::uint64_t>(e.kind) | static_cast<std::uint64_t>(e.reason) << 8 |
                              static_cast<std::uint64_t>(e.object_kind) << 16 |
                              static_cast<std::uint64_t>(static_cast<std::uint8_t>(e.side)) << 24 |
                              static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.err)) << 32;
  std::uint64_t h = mix(hash ^ small, static_cast<std::uint64_t>(e.time_ns) ^ 0x9E3779B97F4A7C15ull);
  h = mix(h ^ e.coroutine ^ rotate(e.other, 32),
          e.object ^ rotate(static_cast<std::uint64_t>(e.deadline_ms), 32) ^ 0xBF58476D1CE4E5B9ull);
  hash = mix(h, e.bytes ^ 0x94D049BB133111EBull);
}

/// A yield (a block event of reason yield, whose other fields are always
/// the same) into the trace hash: the commonest event, in one
/// multiplication where fold_event takes three. Any path that sees a yield
/// folds it this way.
inline void fold_yield(std::uint64_t& hash, runtime::CoroutineId id, std::int64_t time_ns) {
  constexpr std::uint64_t yield_tag = 0xD6E8FEB86659FD93ull;
  hash = mix(hash ^ rotate(id, 32) ^ yield_tag, static_cast<std::uint64_t>(time_ns) ^ 0x9E3779B97F4A7C15ull);
}

inline bool is_yield(const runtime::Event& e) {
  return e.kind == runtime::EventKind::block && e.reason == runtime::BlockReason::yield;
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

SimObserver::SimObserver(Simulation& sim)
    : sim_(sim),
      record_events_(sim.opts().record_events),
      user_observer_(sim.opts().observer),
      yield_slow_path_(record_events_ || user_observer_ != nullptr) {}

inline void SimObserver::account_yield(std::uint64_t id) {
  sim_.policy.became_ready(id);
  if (id < cancelled_calls_.size() && cancelled_calls_[id] != 0) called_after_cancel(id);
}

void SimObserver::record(const runtime::Event& e) {
  Simulation& s = sim_;
  ++s.stats.events;
  if (is_yield(e)) {
    fold_yield(s.trace_hash, e.coroutine, e.time_ns);
  } else {
    fold_event(s.trace_hash, e);
  }
  if (record_events_) keep_text(e);
  if (is_yield(e)) {
    account_yield(e.coroutine);
  } else {
    account(e);
  }
  if (user_observer_ != nullptr) user_observer_->record(e);
}

// The commonest event, on the shortest path: the event record() would see
// (for its text, when kept), built only when it is needed.
namespace {
inline runtime::Event yield_event(runtime::CoroutineId id, std::int64_t time_ns) {
  return {.kind = runtime::EventKind::block, .time_ns = time_ns, .coroutine = id,
          .reason = runtime::BlockReason::yield};
}
}  // namespace

void SimObserver::yielded(runtime::CoroutineId id, std::int64_t time_ns) {
  Simulation& s = sim_;
  ++s.stats.events;
  fold_yield(s.trace_hash, id, time_ns);
  // Nothing kept as text, nobody cancelled yet, nobody else observing:
  // the yield only makes `id` ready again. One test for the three.
  if (__builtin_expect(!yield_slow_path_, 1)) {
    s.policy.became_ready(id);
    return;
  }
  yielded_slow(id, time_ns);
}

void SimObserver::yielded_slow(runtime::CoroutineId id, std::int64_t time_ns) {
  if (record_events_) keep_yield_text(id, time_ns);
  account_yield(id);
  if (user_observer_ != nullptr) user_observer_->yielded(id, time_ns);
}

void SimObserver::mark_cancelled(std::uint64_t id) {
  cancelled_calls_[id] = 1;
  yield_slow_path_ = true;
}

void SimObserver::keep_yield_text(runtime::CoroutineId id, std::int64_t time_ns) {
  keep_text(yield_event(id, time_ns));
}

void SimObserver::keep_text(const runtime::Event& e) {
  if (sim_.events.size() < max_recorded_events) sim_.events.push_back(describe_event(e));
}

void SimObserver::account(const runtime::Event& e) {
  Simulation& s = sim_;
  const std::uint64_t id = e.coroutine;
  switch (e.kind) {
    case runtime::EventKind::cancel:
      s.injector.closed(id);
      if (id >= cancelled_calls_.size()) cancelled_calls_.resize(id + 1, 0);
      if (cancelled_calls_[id] == 0) mark_cancelled(id);
      break;
    case runtime::EventKind::wake:
      s.policy.became_ready(id);
      if (e.err == ECANCELED || e.err == ETIMEDOUT) s.injector.delivered(id, e.err);
      break;
    case runtime::EventKind::block:
      if (e.reason == runtime::BlockReason::yield) s.policy.became_ready(id);
      if (e.reason == runtime::BlockReason::hclose) break;
      if (id < cancelled_calls_.size() && cancelled_calls_[id] != 0) called_after_cancel(id);
      break;
    case runtime::EventKind::ecanceled:
      if (id >= cancelled_calls_.size()) cancelled_calls_.resize(id + 1, 0);
      attribute_refusal(id);
      if (cancelled_calls_[id] == 0) {
        // An injected ECANCELED cancels without a cancel event.
        mark_cancelled(id);
        break;
      }
      called_after_cancel(id);
      break;
    default:
      break;
  }
}

void SimObserver::called_after_cancel(std::uint64_t id) {
  const Simulation& s = sim_;
  std::uint64_t calls = ++cancelled_calls_[id];
  if (calls > s.opts().cancelled_call_budget + 1 && s.opts().cancelled_call_budget != 0) {
    sim_.fail(failure_kind::cancelled_still_running,
              "coroutine " + std::to_string(id) + " was cancelled but kept running: " + std::to_string(calls - 1) +
                  " blocking calls after its cancellation (each refused with ECANCELED). A "
                  "cancelled coroutine should clean up and return when a blocking call fails "
                  "with ECANCELED; check the loop around its blocking calls.");
  }
}

}  // namespace canopy::sim::detail
