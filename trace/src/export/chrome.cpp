// Chrome trace event format export. Field meanings follow the "Trace Event
// Format" document: ts/dur in microseconds, ph "X" complete events, "M"
// metadata, "s"/"f" flow events with bp "e" binding to the enclosing slice.
#include "canopy/trace/chrome.hpp"

#include <algorithm>
#include <cerrno>

#include <nlohmann/json.hpp>

#include "../common/names_table.hpp"

namespace canopy::trace {
namespace {

using json = nlohmann::ordered_json;
using runtime::CoroutineId;
using runtime::EventKind;

// The "traceEvents" array, written out one event at a time: a model of a
// large trace must not become one JSON tree as well (its nodes cost far more
// than the text, and freeing a tree allocates, which out of memory aborts).
// The text is what nlohmann's dump(1) gives for the whole document.
class EventList {
 public:
  void push_back(const json& event) {
    text_ += text_.empty() ? "\n  " : ",\n  ";
    indented(event.dump(1), "  ", text_);
  }
  /// The array as the value of a key at depth 1.
  std::string take() { return text_.empty() ? "[]" : "[" + std::move(text_) + "\n ]"; }

  /// Appends `dumped` with every line after its first indented by `indent`
  /// (string values hold no raw newlines: dump escapes them).
  static void indented(const std::string& dumped, const char* indent, std::string& out) {
    for (char c : dumped) {
      out += c;
      if (c == '\n') out += indent;
    }
  }

 private:
  std::string text_;
};

class Exporter {
 public:
  Exporter(const Model& model, const ChromeOptions& options) : model_(model), options_(options) {
  }

  std::string run() {
    EventList events;
    events.push_back(metadata("process_name", 0, {{"name", "canopy " + model_.trace.header.program}}));
    std::size_t sort_index = 0;
    for (CoroutineId id : model_.depth_first()) {
      const Coroutine& co = model_.coroutines.at(id);
      events.push_back(metadata("thread_name", tid(id), {{"name", co.label()}}));
      events.push_back(metadata("thread_sort_index", tid(id), {{"sort_index", sort_index++}}));
    }
    for (CoroutineId id : model_.depth_first()) slices(model_.coroutines.at(id), events);
    flows(events);
    if (const auto& end = model_.trace.end) {
      // How the run ended: one instant across the whole process.
      events.push_back(json{{"name", "run ended: " + describe_end(*end)}, {"cat", "end"}, {"ph", "i"}, {"s", "p"},
                            {"ts", ts(end->time_ns, end->seq)}, {"pid", 1}, {"tid", tid(runtime::main_coroutine)},
                            {"args", {{"how", end->how},
                                      {"status", end->status ? json(*end->status) : json(nullptr)},
                                      {"report", end->report ? json(*end->report) : json(nullptr)}}}});
    }
    const Header& header = model_.trace.header;
    const json other = {
        {"format", "canopy-trace"},
        {"clock", header.clock_is_simulated ? "sim" : "real"},
        {"program", header.program},
        {"seed", header.seed ? json(*header.seed) : json(nullptr)},
        {"replay", header.replay ? json(*header.replay) : json(nullptr)},
    };
    std::string text = "{\n \"traceEvents\": " + events.take() + ",\n \"displayTimeUnit\": \"ns\",\n \"otherData\": ";
    EventList::indented(other.dump(1), " ", text);
    return text + "\n}\n";
  }

 private:
  static std::uint64_t tid(CoroutineId id) { return id + 1; }

  // Microseconds since the trace began, on the chosen axis.
  double ts(std::int64_t time_ns, std::uint64_t seq) const {
    if (options_.event_order_axis) return static_cast<double>(seq);
    return static_cast<double>(time_ns - model_.begin_ns) / 1000.0;
  }

  json metadata(const char* name, std::uint64_t thread, json args) const {
    return json{{"name", name}, {"ph", "M"}, {"pid", 1}, {"tid", thread}, {"args", std::move(args)}};
  }

  json complete(const std::string& name, const char* category, CoroutineId id, std::int64_t begin_ns,
                std::uint64_t begin_seq, std::int64_t end_ns, std::uint64_t end_seq, json args) const {
    const double begin = ts(begin_ns, begin_seq);
    const double end = ts(end_ns, end_seq);
    return json{{"name", name},         {"cat", category},         {"ph", "X"},
                {"ts", begin},          {"dur", std::max(0.0, end - begin)},
                {"pid", 1},             {"tid", tid(id)},          {"args", std::move(args)}};
  }

  static std::string blocked_name(const StateInterval& interval) {
    std::string name = std::string("blocked: ") + names_of(interval.reason);
    if (interval.object_kind != runtime::ObjectKind::none) {
      name += ' ';
      name += names_of(interval.object_kind);
      name += ' ';
      name += std::to_string(interval.object);
    }
    return name;
  }
  static const char* names_of(runtime::BlockReason reason) {
    return names::name_at(names::block_reasons, static_cast<std::size_t>(reason));
  }
  static const char* names_of(runtime::ObjectKind kind) {
    return names::name_at(names::object_kinds, static_cast<std::size_t>(kind));
  }

  void slices(const Coroutine& co, EventList& events) const {
    events.push_back(complete(co.label(), "lifetime", co.id, co.spawn_ns, co.spawn_seq, co.exit_ns, co.exit_seq,
                              {{"spawn_seq", co.spawn_seq},
                               {"exit_seq", co.exited ? json(co.exit_seq) : json(nullptr)},
                               {"result", !co.exited ? "alive at end" : co.exit_err == 0 ? "returned"
                                          : co.exit_err == ECANCELED ? "cancelled" : "failed"}}));
    if (co.cancel_requested) {
      events.push_back(complete("grace", "grace", co.id, co.cancel_ns, co.cancel_seq, co.exit_ns, co.exit_seq,
                                {{"cancel_seq", co.cancel_seq}, {"by", co.cancelled_by}}));
    }
    for (const StateInterval& interval : co.intervals) {
      if (interval.state == State::ready) continue;
      // Split at the cancel request so every state slice nests either
      // inside the grace slice or before it, never across its edge.
      std::vector<std::pair<std::int64_t, std::uint64_t>> cuts{{interval.begin_ns, interval.begin_seq}};
      if (co.cancel_requested && interval.begin_seq < co.cancel_seq && co.cancel_seq < interval.end_seq)
        cuts.emplace_back(co.cancel_ns, co.cancel_seq);
      cuts.emplace_back(interval.end_ns, interval.end_seq);
      for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        json args{{"begin_seq", cuts[i].second}, {"end_seq", cuts[i + 1].second}};
        if (interval.state == State::blocked) {
          args["deadline_ms"] = interval.deadline_ms < 0 ? json(nullptr) : json(interval.deadline_ms);
          args["ended_by"] = interval.wake_err == 0 ? "wake" : interval.wake_err == ECANCELED ? "ECANCELED"
                             : interval.wake_err == ETIMEDOUT ? "ETIMEDOUT" : "error";
        }
        events.push_back(complete(interval.state == State::blocked ? blocked_name(interval) : "running",
                                  interval.state == State::blocked ? "blocked" : "running", co.id,
                                  cuts[i].first, cuts[i].second, cuts[i + 1].first, cuts[i + 1].second,
                                  std::move(args)));
      }
    }
  }

  void flow(EventList& events, const char* name, CoroutineId from, std::int64_t from_ns, std::uint64_t from_seq,
            CoroutineId to, std::int64_t to_ns, std::uint64_t to_seq) {
    if (model_.find(from) == nullptr || model_.find(to) == nullptr) return;
    const std::uint64_t id = next_flow_id_++;
    events.push_back(json{{"name", name}, {"cat", "flow"}, {"ph", "s"}, {"id", id},
                          {"ts", ts(from_ns, from_seq)}, {"pid", 1}, {"tid", tid(from)}});
    events.push_back(json{{"name", name}, {"cat", "flow"}, {"ph", "f"}, {"bp", "e"}, {"id", id},
                          {"ts", ts(to_ns, to_seq)}, {"pid", 1}, {"tid", tid(to)}});
  }

  void flows(EventList& events) {
    for (const TraceEvent& traced : model_.trace.events) {
      const runtime::Event& event = traced.event;
      const std::uint64_t seq = traced.seq;
      if (event.kind == EventKind::spawn) {
        flow(events, "spawn", event.other, event.time_ns, seq, event.coroutine, event.time_ns, seq);
      } else if (event.kind == EventKind::wake && event.other != runtime::no_coroutine) {
        flow(events, "wake", event.other, event.time_ns, seq, event.coroutine, event.time_ns, seq);
      } else if (event.kind == EventKind::cancel) {
        const Coroutine* target = model_.find(event.coroutine);
        // Draw the cancellation to where it landed: the ECANCELED delivery.
        const bool landed = target != nullptr && target->got_ecanceled && target->ecanceled_seq > seq;
        flow(events, "cancel", event.other, event.time_ns, seq, event.coroutine,
             landed ? target->ecanceled_ns : event.time_ns, landed ? target->ecanceled_seq : seq);
      }
    }
    for (const Rendezvous& message : model_.rendezvous) {
      const auto& events_in = model_.trace.events;
      // seq is the index in a parsed trace; a hand-built model may differ.
      if (message.send_seq >= events_in.size() || message.recv_seq >= events_in.size()) continue;
      flow(events, "message", message.sender, events_in[message.send_seq].event.time_ns, message.send_seq,
           message.receiver, events_in[message.recv_seq].event.time_ns, message.recv_seq);
    }
  }

  const Model& model_;
  ChromeOptions options_;
  std::uint64_t next_flow_id_ = 1;
};

}  // namespace

std::string export_chrome(const Model& model, const ChromeOptions& options) {
  return Exporter(model, options).run();
}

}  // namespace canopy::trace
