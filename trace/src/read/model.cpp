// Rebuilding lifetimes, states and the tree from a validated event list.
#include "canopy/trace/model.hpp"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <deque>
#include <tuple>

namespace canopy::trace {

using runtime::CoroutineId;
using runtime::EventKind;

const char* state_name(State state) {
  switch (state) {
    case State::ready: return "ready";
    case State::running: return "running";
    case State::blocked: return "blocked";
  }
  return "?";
}

std::string Coroutine::label() const {
  std::string text = "co " + std::to_string(id) + " " + (fn.empty() ? "?" : fn);
  if (!site.empty()) text += " (" + site + ")";
  return text;
}

const Coroutine* Model::find(CoroutineId id) const {
  auto it = coroutines.find(id);
  return it == coroutines.end() ? nullptr : &it->second;
}

std::vector<CoroutineId> Model::depth_first() const {
  std::vector<CoroutineId> order;
  order.reserve(coroutines.size());
  // Roots: main, and any coroutine whose parent is unknown (null parent).
  std::vector<CoroutineId> stack;
  for (auto it = coroutines.rbegin(); it != coroutines.rend(); ++it) {
    const Coroutine& co = it->second;
    if (co.id == runtime::main_coroutine || find(co.parent) == nullptr) stack.push_back(co.id);
  }
  while (!stack.empty()) {
    CoroutineId id = stack.back();
    stack.pop_back();
    order.push_back(id);
    const Coroutine& co = coroutines.at(id);
    for (auto child = co.children.rbegin(); child != co.children.rend(); ++child) stack.push_back(*child);
  }
  return order;
}

const Coroutine* Model::outlived_parent(const Coroutine& co) const {
  const Coroutine* parent = find(co.parent);
  if (parent == nullptr || !parent->exited) return nullptr;
  if (co.exited && co.exit_seq <= parent->exit_seq) return nullptr;
  return parent;
}

CoroutineId actor_of(const runtime::Event& event) {
  switch (event.kind) {
    case EventKind::spawn:
    case EventKind::wake:
    case EventKind::cancel:
      return event.other;
    case EventKind::timer_fired:
      return runtime::no_coroutine;
    default:
      return event.coroutine;
  }
}

// The model as it grows, one event at a time.
class ModelBuilderImpl {
 public:
  explicit ModelBuilderImpl(const ModelLimits& limits) : limits_(limits) {
    Coroutine& main = model_.coroutines[runtime::main_coroutine];
    main.id = runtime::main_coroutine;
    main.fn = "main";
    main.intervals.push_back(StateInterval{State::running, 0, 0, 0, 0});
    marks_ = 1;
    next_thinning_ = limits.marks_budget;
    running_ = runtime::main_coroutine;
  }

  void add(const TraceEvent& traced) {
    const std::int64_t t = traced.event.time_ns;
    if (model_.event_count == 0) {
      // Main was there from the first event on.
      model_.begin_ns = t;
      Coroutine& main = model_.coroutines.at(runtime::main_coroutine);
      main.spawn_ns = t;
      main.intervals.front().begin_ns = main.intervals.front().end_ns = t;
    }
    ++model_.event_count;
    model_.last_seq = traced.seq;
    model_.end_ns = t;
    count(traced);
    list(traced);
    apply(traced);
    if (next_thinning_ != 0 && marks_ > next_thinning_) thin();
  }

  Model finish(Trace trace) {
    finish(model_.event_count == 0 ? 0 : model_.last_seq);
    model_.trace = std::move(trace);
    return std::move(model_);
  }

 private:
  // The minimap's histogram: every event by time; spawns, cancels and
  // exits by seq.
  void count(const TraceEvent& traced) {
    EventDensity& density = model_.density;
    const auto since = static_cast<std::uint64_t>(traced.event.time_ns - model_.begin_ns);
    while (since / static_cast<std::uint64_t>(density.bucket_ns) >= EventDensity::buckets) {
      merge_pairs(density.by_time);
      density.bucket_ns *= 2;
    }
    ++density.by_time[since / static_cast<std::uint64_t>(density.bucket_ns)];
    while (traced.seq / density.bucket_seq >= EventDensity::buckets) {
      merge_pairs(density.by_seq);
      density.bucket_seq *= 2;
    }
    const EventKind kind = traced.event.kind;
    if (kind == EventKind::spawn || kind == EventKind::cancel || kind == EventKind::exit) {
      ++density.by_seq[traced.seq / density.bucket_seq];
    }
  }

  static void merge_pairs(std::vector<std::uint32_t>& buckets) {
    const std::size_t half = buckets.size() / 2;
    for (std::size_t i = 0; i < half; ++i) buckets[i] = buckets[2 * i] + buckets[2 * i + 1];
    std::fill(buckets.begin() + static_cast<std::ptrdiff_t>(half), buckets.end(), 0);
  }

  // The first events about each coroutine or caused by it, for tooltips.
  void list(const TraceEvent& traced) {
    const CoroutineId about = traced.event.coroutine;
    const CoroutineId actor = actor_of(traced.event);
    auto note = [&](CoroutineId id) {
      Coroutine& co = model_.coroutines[id];
      if (co.first_events_count < limits_.listed_events) {
        co.first_events += "\n" + canonical_line(traced);
        ++co.first_events_count;
      } else {
        ++co.more_events;
      }
    };
    note(about);
    if (actor != runtime::no_coroutine && actor != about) note(actor);
  }

  // Drops marks too short to see at the run's scale, keeping the first in
  // each cell of (time, seq) per coroutine, until half the budget is used.
  void thin() {
    const auto extent_ns = static_cast<std::uint64_t>(model_.end_ns - model_.begin_ns);
    const std::uint64_t extent_seq = model_.last_seq;
    const std::uint64_t cells = std::max<std::size_t>(1, limits_.cells);
    if (cell_ns_ == 0) {
      cell_ns_ = std::max<std::uint64_t>(1, extent_ns / cells);
      cell_seq_ = std::max<std::uint64_t>(1, extent_seq / cells);
    }
    for (;;) {
      compact();
      if (marks_ <= limits_.marks_budget / 2) break;
      // One cell holds the whole run: nothing more to merge (a trace of
      // more coroutines than the budget).
      if (cell_ns_ > extent_ns && cell_seq_ > extent_seq) break;
      cell_ns_ *= 2;
      cell_seq_ *= 2;
    }
    next_thinning_ = std::max(limits_.marks_budget, 2 * marks_);
  }

  void compact() {
    std::size_t kept = 0;
    for (auto& [id, co] : model_.coroutines) {
      std::vector<StateInterval>& intervals = co.intervals;
      if (intervals.size() > 1) {
        std::size_t out = 0;
        std::pair<std::uint64_t, std::uint64_t> last_cell{UINT64_MAX, UINT64_MAX};
        // The last interval stays: it may still be open.
        for (std::size_t i = 0; i + 1 < intervals.size(); ++i) {
          const StateInterval& interval = intervals[i];
          const bool tiny = static_cast<std::uint64_t>(interval.end_ns - interval.begin_ns) < cell_ns_ &&
                            interval.end_seq - interval.begin_seq < cell_seq_;
          bool keep = !tiny || interval.wake_err == ECANCELED;
          if (!keep && interval.state != State::ready) {
            const auto cell = cell_of(interval.begin_ns, interval.begin_seq);
            keep = cell != last_cell;
            last_cell = cell;
          }
          if (keep) intervals[out++] = interval;
        }
        intervals[out++] = intervals.back();
        model_.thinned_marks += intervals.size() - out;
        intervals.resize(out);
        if (intervals.capacity() > 2 * out + 16) intervals.shrink_to_fit();
      }
      kept += intervals.size();
    }
    std::map<CoroutineId, std::pair<std::uint64_t, std::uint64_t>> last_cell;
    std::vector<Rendezvous>& messages = model_.rendezvous;
    std::size_t out = 0;
    for (const Rendezvous& message : messages) {
      const auto cell = cell_of(message.time_ns, message.recv_seq);
      auto [it, inserted] = last_cell.try_emplace(message.receiver, cell);
      if (!inserted && it->second == cell) continue;
      it->second = cell;
      messages[out++] = message;
    }
    model_.thinned_marks += messages.size() - out;
    messages.resize(out);
    if (messages.capacity() > 2 * out + 16) messages.shrink_to_fit();
    marks_ = kept + out;
  }

  std::pair<std::uint64_t, std::uint64_t> cell_of(std::int64_t time_ns, std::uint64_t seq) const {
    return {static_cast<std::uint64_t>(time_ns - model_.begin_ns) / cell_ns_, seq / cell_seq_};
  }

  void transition(Coroutine& co, State state, std::int64_t time_ns, std::uint64_t seq) {
    if (!co.intervals.empty()) {
      co.intervals.back().end_ns = time_ns;
      co.intervals.back().end_seq = seq;
    }
    StateInterval next;
    next.state = state;
    next.begin_ns = next.end_ns = time_ns;
    next.begin_seq = next.end_seq = seq;
    co.intervals.push_back(next);
    ++marks_;
  }

  static State current(const Coroutine& co) {
    return co.intervals.empty() ? State::ready : co.intervals.back().state;
  }

  Coroutine* live(CoroutineId id) {
    auto it = model_.coroutines.find(id);
    if (it == model_.coroutines.end() || it->second.exited) return nullptr;
    return &it->second;
  }

  // Whoever causes an event is running; whoever ran before is now ready.
  void note_actor(CoroutineId actor, std::int64_t time_ns, std::uint64_t seq) {
    if (actor == runtime::no_coroutine || actor == running_) return;
    if (Coroutine* previous = live(running_); previous != nullptr && current(*previous) == State::running)
      transition(*previous, State::ready, time_ns, seq);
    running_ = actor;
    if (Coroutine* next = live(actor); next != nullptr && current(*next) == State::ready)
      transition(*next, State::running, time_ns, seq);
  }

  void apply(const TraceEvent& traced) {
    const runtime::Event& event = traced.event;
    const std::uint64_t seq = traced.seq;
    const std::int64_t t = event.time_ns;
    note_actor(actor_of(event), t, seq);
    if (event.kind == EventKind::spawn) {
      spawn(traced);
      return;
    }
    Coroutine* co = live(event.coroutine);
    if (co == nullptr) return;  // events after exit change nothing
    switch (event.kind) {
      case EventKind::block: {
        transition(*co, State::blocked, t, seq);
        StateInterval& blocked = co->intervals.back();
        blocked.reason = event.reason;
        blocked.object = event.object;
        blocked.object_kind = event.object_kind;
        blocked.deadline_ms = event.deadline_ms;
        if (running_ == co->id) running_ = runtime::no_coroutine;
        break;
      }
      case EventKind::wake:
        if (current(*co) == State::blocked) {
          co->intervals.back().wake_err = event.err;
          transition(*co, State::ready, t, seq);
        }
        break;
      case EventKind::cancel:
        if (model_.cancels.size() < limits_.cancels) {
          model_.cancels.push_back(Cancel{seq, t, event.coroutine, event.other, event.object});
        }
        if (!co->cancel_requested) {
          co->cancel_requested = true;
          co->cancel_ns = t;
          co->cancel_seq = seq;
          co->cancelled_by = event.other;
        }
        break;
      case EventKind::ecanceled:
        if (!co->got_ecanceled) {
          co->got_ecanceled = true;
          co->ecanceled_ns = t;
          co->ecanceled_seq = seq;
        }
        break;
      case EventKind::timer_set:
        if (co->deadlines.size() < limits_.deadlines_per_coroutine) {
          co->deadlines.push_back(Deadline{seq, t, event.deadline_ms, false, 0});
        }
        break;
      case EventKind::deadline_expired: {
        Deadline* match = nullptr;
        for (auto it = co->deadlines.rbegin(); it != co->deadlines.rend(); ++it) {
          if (!it->expired && it->deadline_ms == event.deadline_ms) {
            match = &*it;
            break;
          }
        }
        if (match == nullptr) {
          if (co->deadlines.size() >= limits_.deadlines_per_coroutine) break;
          co->deadlines.push_back(Deadline{seq, t, event.deadline_ms, false, 0});
          match = &co->deadlines.back();
        }
        match->expired = true;
        match->expired_seq = seq;
        break;
      }
      case EventKind::exit:
        transition(*co, State::running, t, seq);
        co->intervals.pop_back();  // the exit closes the last interval; nothing follows it
        --marks_;
        co->exited = true;
        co->exit_ns = t;
        co->exit_seq = seq;
        co->exit_err = event.err;
        if (running_ == co->id) running_ = runtime::no_coroutine;
        break;
      case EventKind::chsend:
      case EventKind::chrecv:
        pair_message(traced);
        break;
      case EventKind::bundle_wait_begin: {
        GracePeriod grace;
        grace.bundle = event.object;
        grace.begin_ns = t;
        grace.begin_seq = seq;
        grace.deadline_ms = event.deadline_ms;
        if (co->grace_periods.size() < max_grace_periods) co->grace_periods.push_back(grace);
        break;
      }
      case EventKind::bundle_wait_end:
        for (auto it = co->grace_periods.rbegin(); it != co->grace_periods.rend(); ++it) {
          if (it->ended || it->bundle != event.object) continue;
          it->ended = true;
          it->end_ns = t;
          it->end_seq = seq;
          it->end_err = event.err;
          break;
        }
        break;
      case EventKind::net_connect:
      case EventKind::net_accept:
      case EventKind::net_reset:
      case EventKind::net_close:
      case EventKind::net_send:
      case EventKind::net_partition:
        net_event(*co, traced);
        break;
      default:
        break;
    }
  }

  void spawn(const TraceEvent& traced) {
    const runtime::Event& event = traced.event;
    Coroutine& co = model_.coroutines[event.coroutine];
    co.id = event.coroutine;
    co.parent = event.other;
    co.bundle = event.object;
    co.site = traced.site_file + ":" + std::to_string(traced.site_line);
    co.fn = traced.fn;
    co.spawn_ns = event.time_ns;
    co.spawn_seq = traced.seq;
    if (auto parent = model_.coroutines.find(co.parent); parent != model_.coroutines.end()) {
      parent->second.children.push_back(co.id);
      co.depth = parent->second.depth + 1;
    }
    transition(co, State::ready, event.time_ns, traced.seq);
  }

  // A send and its receive are paired first-in first-out per (channel,
  // sender, receiver), whichever of the two the runtime reported first.
  void pair_message(const TraceEvent& traced) {
    const runtime::Event& event = traced.event;
    const bool is_send = event.kind == EventKind::chsend;
    const CoroutineId sender = is_send ? event.coroutine : event.other;
    const CoroutineId receiver = is_send ? event.other : event.coroutine;
    const auto key = std::make_tuple(event.object, sender, receiver);
    auto& pending_mine = is_send ? pending_sends_ : pending_recvs_;
    auto& pending_theirs = is_send ? pending_recvs_ : pending_sends_;
    const auto found = pending_theirs.find(key);
    if (found == pending_theirs.end()) {
      auto& mine = pending_mine[key];
      if (mine.size() < max_pending_messages) mine.push_back(traced.seq);
      return;
    }
    auto& theirs = found->second;
    Rendezvous message;
    message.channel = event.object;
    message.sender = sender;
    message.receiver = receiver;
    message.send_seq = is_send ? traced.seq : theirs.front();
    message.recv_seq = is_send ? theirs.front() : traced.seq;
    message.time_ns = event.time_ns;
    message.bytes = event.bytes;
    theirs.pop_front();
    if (theirs.empty()) pending_theirs.erase(found);  // the maps hold only what waits
    model_.rendezvous.push_back(message);
    ++marks_;
  }

  // Each end of a connection reports the other's socket, so the two ends
  // meet under the pair (client socket, server socket).
  void net_event(Coroutine& co, const TraceEvent& traced) {
    const runtime::Event& event = traced.event;
    NetEvent net;
    net.kind = event.kind;
    net.seq = traced.seq;
    net.time_ns = event.time_ns;
    net.socket = event.object;
    net.peer_socket = event.other_object;
    net.err = event.err;
    if (event.kind == EventKind::net_close) {
      net.sent = event.bytes;
      net.received = event.bytes_received;
    } else if (event.kind == EventKind::net_send) {
      net.sent = event.bytes;
    } else if (event.kind == EventKind::net_partition) {
      net.until_ms = event.deadline_ms;
    }
    if (co.net_events.size() < max_net_events_per_coroutine) co.net_events.push_back(net);
    if (event.err != 0 && event.kind != EventKind::net_reset) return;  // refused: no connection
    if (event.kind == EventKind::net_connect || event.kind == EventKind::net_accept) {
      const bool client = event.kind == EventKind::net_connect;
      const auto key = client ? std::make_pair(net.socket, net.peer_socket) : std::make_pair(net.peer_socket, net.socket);
      auto [it, inserted] = connection_of_.try_emplace(key, model_.connections.size());
      if (inserted) {
        if (model_.connections.size() >= max_connections) {
          connection_of_.erase(it);
          return;
        }
        Connection made;
        made.client_socket = key.first;
        made.server_socket = key.second;
        model_.connections.push_back(made);
      }
      Connection& connection = model_.connections[it->second];
      if (client) {
        connection.client = co.id;
        connection.connect_seq = net.seq;
        connection.connect_ns = net.time_ns;
      } else {
        connection.server = co.id;
        connection.accept_seq = net.seq;
        connection.accept_ns = net.time_ns;
      }
      socket_connection_[net.socket] = it->second;
    } else if (event.kind == EventKind::net_send || event.kind == EventKind::net_partition) {
      auto it = socket_connection_.find(net.socket);
      if (it == socket_connection_.end()) return;
      Connection& connection = model_.connections[it->second];
      ++(event.kind == EventKind::net_send ? connection.sends : connection.partitions);
    } else if (event.kind == EventKind::net_reset) {
      auto it = socket_connection_.find(net.socket);
      if (it == socket_connection_.end()) return;
      Connection& connection = model_.connections[it->second];
      if (!connection.reset) {
        connection.reset = true;
        connection.reset_seq = net.seq;
        connection.reset_ns = net.time_ns;
      }
    }
  }

  void finish(std::uint64_t last_seq) {
    for (auto& [id, co] : model_.coroutines) {
      // A wait that never ended lasted until its granter exited (or the
      // trace ended).
      for (GracePeriod& grace : co.grace_periods) {
        if (grace.ended) continue;
        grace.end_ns = co.exited ? co.exit_ns : model_.end_ns;
        grace.end_seq = co.exited ? co.exit_seq : last_seq;
      }
      if (co.exited) continue;
      co.exit_ns = model_.end_ns;
      co.exit_seq = last_seq;
      if (!co.intervals.empty()) {
        co.intervals.back().end_ns = model_.end_ns;
        co.intervals.back().end_seq = last_seq;
      }
    }
  }

  // Unbuffered channels pair at once; a bound keeps a broken trace with
  // unmatched sends from growing the queues without limit.
  static constexpr std::size_t max_pending_messages = 4096;
  // Bounds against hostile traces; real runs stay far below them.
  static constexpr std::size_t max_grace_periods = 4096;
  static constexpr std::size_t max_net_events_per_coroutine = 1 << 16;
  static constexpr std::size_t max_connections = 1 << 20;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> connection_of_;
  std::map<std::uint64_t, std::size_t> socket_connection_;

  ModelLimits limits_;
  Model model_;
  std::size_t marks_ = 0;          ///< intervals and messages held
  std::size_t next_thinning_ = 0;  ///< thin past this many marks; 0: never
  std::uint64_t cell_ns_ = 0;      ///< thinning cells; 0 until the first thinning
  std::uint64_t cell_seq_ = 0;
  CoroutineId running_ = runtime::no_coroutine;
  using MessageKey = std::tuple<runtime::ObjectId, CoroutineId, CoroutineId>;
  std::map<MessageKey, std::deque<std::uint64_t>> pending_sends_;
  std::map<MessageKey, std::deque<std::uint64_t>> pending_recvs_;
};

Model build_model(Trace trace, const ModelLimits& limits) {
  ModelBuilderImpl builder(limits);
  for (const TraceEvent& event : trace.events) builder.add(event);
  return builder.finish(std::move(trace));
}

ModelBuilder::ModelBuilder(const ModelLimits& limits) : builder_(std::make_unique<ModelBuilderImpl>(limits)) {}
ModelBuilder::~ModelBuilder() = default;
void ModelBuilder::add(const TraceEvent& event) { builder_->add(event); }
Model ModelBuilder::finish(Trace trace) { return builder_->finish(std::move(trace)); }

ModelResult read_model_file(const std::string& path, const ModelLimits& limits) {
  ModelResult result;
  try {
    ModelBuilder builder(limits);
    ParseResult parsed = read_trace_file(path, [&](const TraceEvent& event) { builder.add(event); });
    if (!parsed.ok) {
      result.error = std::move(parsed.error);
      return result;
    }
    result.model = builder.finish(std::move(parsed.trace));
    result.ok = true;
  } catch (const std::bad_alloc&) {
    result.error = ParseError{0, "out of memory building the model of " + path};
  }
  return result;
}

}  // namespace canopy::trace
