// What a trace says happened, rebuilt as a coroutine tree with lifetimes.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "canopy/trace/read.hpp"

namespace canopy::trace {

/// What a coroutine was doing during one interval of its life.
enum class State : std::uint8_t { ready, running, blocked };

/// "ready", "running", "blocked".
const char* state_name(State state);

/// One stretch of a coroutine's life in one state, [begin, end).
struct StateInterval {
  State state = State::ready;
  std::int64_t begin_ns = 0;
  std::int64_t end_ns = 0;
  std::uint64_t begin_seq = 0;
  std::uint64_t end_seq = 0;  ///< the event that ended it (or the last event)
  // Blocked only: what it waited on.
  runtime::BlockReason reason = runtime::BlockReason::yield;
  runtime::ObjectId object = 0;
  runtime::ObjectKind object_kind = runtime::ObjectKind::none;
  std::int64_t deadline_ms = -1;
  int wake_err = 0;  ///< how the block ended (0, ECANCELED, ETIMEDOUT...)
};

/// A deadline a coroutine armed, and what became of it.
struct Deadline {
  std::uint64_t set_seq = 0;
  std::int64_t set_ns = 0;
  std::int64_t deadline_ms = 0;
  bool expired = false;
  std::uint64_t expired_seq = 0;
};

/// A grace period the coroutine granted: a bundle_wait with or without a
/// deadline, from its begin to its end. When the granter is cancelled
/// while it waits (an outer, shorter grace period ran out), the wait ends
/// early with ECANCELED: the part from there to its deadline was revoked.
struct GracePeriod {
  runtime::ObjectId bundle = 0;  ///< the bundle whose members were given the time
  std::int64_t begin_ns = 0;
  std::uint64_t begin_seq = 0;
  std::int64_t deadline_ms = -1;  ///< absolute, as in the trace; -1: wait for ever
  bool ended = false;             ///< false: still waiting when the trace ended
  std::int64_t end_ns = 0;        ///< trace end when !ended
  std::uint64_t end_seq = 0;
  int end_err = 0;  ///< 0 (all members done), ETIMEDOUT (members cancelled), ECANCELED (cut short)
  /// Cut short by the granter's own cancellation before its deadline.
  bool revoked() const { return ended && end_err == ECANCELED && deadline_ms >= 0; }
};

/// A simulated network event on one of the coroutine's sockets.
struct NetEvent {
  runtime::EventKind kind = runtime::EventKind::net_connect;  ///< any net_* kind
  std::uint64_t seq = 0;
  std::int64_t time_ns = 0;
  std::uint64_t socket = 0;
  std::uint64_t peer_socket = 0;  ///< 0 when unknown or none
  int err = 0;
  std::size_t sent = 0;      ///< net_close: in all; net_send: this write
  std::size_t received = 0;  ///< net_close only
  std::int64_t until_ms = -1;  ///< net_partition: when it heals
};

/// One coroutine: identity, place in the tree, lifetime and history.
struct Coroutine {
  runtime::CoroutineId id = 0;
  runtime::CoroutineId parent = runtime::no_coroutine;
  runtime::ObjectId bundle = 0;  ///< 0 when spawned outside a bundle
  std::string site;              ///< "file:line" ("" for main)
  std::string fn;                ///< spawned function ("main" for 0)
  std::vector<runtime::CoroutineId> children;  ///< in spawn order
  std::size_t depth = 0;                       ///< main is 0

  std::int64_t spawn_ns = 0;
  std::uint64_t spawn_seq = 0;
  bool exited = false;
  std::int64_t exit_ns = 0;  ///< trace end when !exited
  std::uint64_t exit_seq = 0;
  int exit_err = 0;

  bool cancel_requested = false;
  std::int64_t cancel_ns = 0;  ///< first request
  std::uint64_t cancel_seq = 0;
  runtime::CoroutineId cancelled_by = runtime::no_coroutine;

  bool got_ecanceled = false;
  std::int64_t ecanceled_ns = 0;  ///< first ECANCELED delivered
  std::uint64_t ecanceled_seq = 0;

  std::vector<StateInterval> intervals;
  std::vector<Deadline> deadlines;
  std::vector<GracePeriod> grace_periods;  ///< in the order they began
  std::vector<NetEvent> net_events;        ///< in trace order

  /// The canonical lines of the first events about this coroutine or
  /// caused by it, each after a newline (what a tooltip lists), and how
  /// many more there were: the model keeps no event list when streamed.
  std::string first_events;
  std::size_t first_events_count = 0;
  std::size_t more_events = 0;

  /// "co 3 worker (main.cpp:12)".
  std::string label() const;
  /// Grace period: from the cancel request to exit (or trace end).
  std::int64_t grace_ns() const { return cancel_requested ? exit_ns - cancel_ns : 0; }
};

/// A message that went from one coroutine to another.
struct Rendezvous {
  runtime::ObjectId channel = 0;
  runtime::CoroutineId sender = 0;
  runtime::CoroutineId receiver = 0;
  std::uint64_t send_seq = 0;
  std::uint64_t recv_seq = 0;
  std::int64_t time_ns = 0;
  std::size_t bytes = 0;
};

/// A connection of the simulated network: the coroutine that connected and
/// the one that accepted it, joined through the sockets' ids.
struct Connection {
  std::uint64_t client_socket = 0;
  std::uint64_t server_socket = 0;
  runtime::CoroutineId client = runtime::no_coroutine;  ///< got net_connect for client_socket
  runtime::CoroutineId server = runtime::no_coroutine;  ///< got net_accept for server_socket
  std::uint64_t connect_seq = 0;
  std::int64_t connect_ns = 0;
  std::uint64_t accept_seq = 0;
  std::int64_t accept_ns = 0;
  bool reset = false;  ///< either end saw net_reset
  std::uint64_t reset_seq = 0;
  std::int64_t reset_ns = 0;
  std::size_t partitions = 0;  ///< net_partition events on either end
  std::size_t sends = 0;       ///< net_send events traced on either end
};

/// A cancel event, kept for drawing the fans of cancellations.
struct Cancel {
  std::uint64_t seq = 0;
  std::int64_t time_ns = 0;
  runtime::CoroutineId target = 0;
  runtime::CoroutineId by = runtime::no_coroutine;
  runtime::ObjectId object = 0;
};

/// How many events fell in each stretch of the run, on both axes (for the
/// minimap). Its size is fixed: when the run outgrows the buckets, each
/// pair of neighbours merges and the buckets' width doubles.
struct EventDensity {
  static constexpr std::size_t buckets = 4096;
  std::int64_t bucket_ns = 1;     ///< width of a time bucket, from the first event
  std::uint64_t bucket_seq = 1;   ///< width of a seq bucket
  std::vector<std::uint32_t> by_time = std::vector<std::uint32_t>(buckets, 0);  ///< every event
  std::vector<std::uint32_t> by_seq = std::vector<std::uint32_t>(buckets, 0);   ///< spawns, cancels, exits
};

/// What the model may keep. The defaults keep everything (lint and export
/// need every interval); a diagram needs no more than its pixels, and
/// `drawing()` bounds the memory whatever the trace's length.
struct ModelLimits {
  /// Intervals and channel messages kept over all coroutines; 0: all. Past
  /// it, marks too short to see at the run's scale (narrower than
  /// 1/`cells` of the run on both axes) are thinned to one per such cell
  /// per coroutine, the cells doubling until the marks fit in half of it.
  std::size_t marks_budget = 0;
  std::size_t cells = 2048;
  /// Lines kept per coroutine in `first_events`.
  std::size_t listed_events = 30;
  /// Cancel events kept (one per target and cancellation in real runs).
  std::size_t cancels = 1 << 18;
  /// Deadlines kept per coroutine.
  std::size_t deadlines_per_coroutine = 4096;

  static ModelLimits drawing() {
    ModelLimits limits;
    limits.marks_budget = 1 << 19;
    return limits;
  }
};

/// The rebuilt trace. Coroutines are kept in id order.
struct Model {
  /// The header and end line; the events too when built from a whole
  /// Trace (build_model), none when streamed (read_model_file).
  Trace trace;
  std::uint64_t event_count = 0;
  std::uint64_t last_seq = 0;  ///< the last event's seq (0 for an empty trace)
  std::vector<Cancel> cancels;  ///< in trace order, at most ModelLimits::cancels
  EventDensity density;
  /// Intervals and messages dropped by ModelLimits::marks_budget.
  std::size_t thinned_marks = 0;
  std::map<runtime::CoroutineId, Coroutine> coroutines;
  std::vector<Rendezvous> rendezvous;
  /// Established connections, in the order their first end was reported.
  std::vector<Connection> connections;
  std::int64_t begin_ns = 0;  ///< first event's time (0 for an empty trace)
  std::int64_t end_ns = 0;    ///< last event's time

  /// The coroutine with `id`, or null.
  const Coroutine* find(runtime::CoroutineId id) const;
  /// Every coroutine, depth-first from main, children in spawn order.
  std::vector<runtime::CoroutineId> depth_first() const;
  /// The parent `co` outlived, or null: a parent that exited while `co` was
  /// still alive (it exited later, or never). The one definition behind the
  /// viewer's "not structured" mark and the "orphan" lint.
  const Coroutine* outlived_parent(const Coroutine& co) const;
};

/// Rebuilds the model from a validated trace (parse_trace's output). Running
/// intervals are inferred: events carry no context switches, so a
/// coroutine runs from the first event it causes after being made ready
/// until it blocks or exits, or until another coroutine causes an event.
Model build_model(Trace trace, const ModelLimits& limits = {});

/// Builds a model one event at a time, keeping no event list: memory grows
/// with the coroutines, and (under a marks budget) not with the events.
class ModelBuilder {
 public:
  explicit ModelBuilder(const ModelLimits& limits = {});
  ~ModelBuilder();
  ModelBuilder(const ModelBuilder&) = delete;
  ModelBuilder& operator=(const ModelBuilder&) = delete;
  /// Events must come in seq order, validated (as parse_trace checks them).
  void add(const TraceEvent& event);
  /// The model; `trace` gives its header and end (and its events, kept as
  /// they are). The builder is spent.
  Model finish(Trace trace);

 private:
  std::unique_ptr<class ModelBuilderImpl> builder_;
};

/// Either a model or the reader's first error.
struct ModelResult {
  bool ok = false;
  Model model;
  ParseError error;
};

/// Reads `path` once, streaming, into a model with `limits` (as
/// read_trace_file reads and validates it); the model holds no events.
ModelResult read_model_file(const std::string& path, const ModelLimits& limits = ModelLimits::drawing());

/// The coroutine that caused `event` (the parent for spawn, the waker for
/// wake, the canceller for cancel, the coroutine itself otherwise), or
/// no_coroutine when the runtime did (a timer or descriptor).
runtime::CoroutineId actor_of(const runtime::Event& event);

}  // namespace canopy::trace
