// The lint rules, each a pass over the model or its events.
#include "canopy/trace/lint.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace canopy::trace {

using runtime::BlockReason;
using runtime::CoroutineId;
using runtime::EventKind;

const char* lint_name(LintKind kind) {
  switch (kind) {
    case LintKind::child_outlived_close: return "child-outlived-close";
    case LintKind::kept_blocking_after_ecanceled: return "kept-blocking-after-ecanceled";
    case LintKind::refused_during_grace: return "refused-during-grace";
    case LintKind::never_yielding: return "never-yielding";
    case LintKind::orphan: return "orphan";
  }
  return "?";
}

namespace {

Lint finding(const Model& model, LintKind kind, std::vector<CoroutineId> ids,
             std::vector<std::uint64_t> seqs, std::string message) {
  Lint result;
  result.kind = kind;
  for (CoroutineId id : ids) {
    const Coroutine* co = model.find(id);
    result.sites.push_back(co != nullptr ? co->site : "");
  }
  result.coroutines = std::move(ids);
  result.seqs = std::move(seqs);
  result.message = std::move(message);
  return result;
}

std::string label(const Model& model, CoroutineId id) {
  const Coroutine* co = model.find(id);
  return co != nullptr ? co->label() : "co " + std::to_string(id);
}

void child_outlived_close(const Model& model, std::vector<Lint>& out) {
  // Bundle members, whoever spawned them into the bundle.
  std::map<runtime::ObjectId, std::vector<CoroutineId>> members;
  for (const auto& [id, co] : model.coroutines) {
    if (co.bundle != 0) members[co.bundle].push_back(id);
  }
  std::set<std::pair<CoroutineId, CoroutineId>> reported;  // (closer, child)
  // `closed_seq`: when the close returned; `since_seq`: children spawned
  // after the close began are not its business.
  auto check = [&](const Coroutine& closer, CoroutineId child_id, std::uint64_t since_seq, std::uint64_t closed_seq,
                   const char* how) {
    const Coroutine* child = model.find(child_id);
    if (child == nullptr || child->spawn_seq > since_seq) return;
    if (child->exited && child->exit_seq <= closed_seq) return;
    if (!reported.insert({closer.id, child_id}).second) return;
    const std::string when = child->exited ? "exited only at seq " + std::to_string(child->exit_seq)
                                           : "never exited";
    out.push_back(finding(model, LintKind::child_outlived_close, {closer.id, child_id},
                          {since_seq, closed_seq, child->exit_seq},
                          label(model, closer.id) + " " + how + " at seq " + std::to_string(closed_seq) +
                              " but " + label(model, child_id) + " " + when));
  };
  for (const auto& [id, closer] : model.coroutines) {
    for (const StateInterval& interval : closer.intervals) {
      if (interval.state != State::blocked || interval.reason != BlockReason::hclose) continue;
      // Still blocked when the trace ended: hclose never returned.
      const bool returned = &interval != &closer.intervals.back() || closer.exited;
      if (!returned) continue;
      if (interval.object_kind == runtime::ObjectKind::coroutine) {
        check(closer, interval.object, interval.begin_seq, interval.end_seq, "returned from hclose");
      } else if (interval.object_kind == runtime::ObjectKind::bundle) {
        auto bundle = members.find(interval.object);
        if (bundle == members.end()) continue;
        for (CoroutineId child : bundle->second) {
          check(closer, child, interval.begin_seq, interval.end_seq, "returned from hclose");
        }
      }
    }
  }
  // A bundle closed without blocking (its members looked done) must not
  // have living members either.
  for (const TraceEvent& traced : model.trace.events) {
    const runtime::Event& event = traced.event;
    if (event.kind != EventKind::object_close || event.object_kind != runtime::ObjectKind::bundle) continue;
    const Coroutine* closer = model.find(event.coroutine);
    auto bundle = members.find(event.object);
    if (closer == nullptr || bundle == members.end()) continue;
    for (CoroutineId child : bundle->second) check(*closer, child, traced.seq, traced.seq, "closed their bundle");
  }
}

void kept_blocking_after_ecanceled(const Model& model, const LintOptions& options,
                                   std::vector<Lint>& out) {
  for (const auto& [id, co] : model.coroutines) {
    if (!co.got_ecanceled) continue;
    std::vector<std::uint64_t> seqs{co.ecanceled_seq};
    for (const StateInterval& interval : co.intervals) {
      if (interval.state != State::blocked || interval.begin_seq <= co.ecanceled_seq) continue;
      // Closing one's own children is the cleanup a cancelled coroutine owes.
      if (interval.reason == BlockReason::hclose || interval.reason == BlockReason::bundle_wait) continue;
      seqs.push_back(interval.begin_seq);
    }
    const std::size_t blocks = seqs.size() - 1;
    if (blocks <= options.max_blocks_after_ecanceled) continue;
    out.push_back(finding(model, LintKind::kept_blocking_after_ecanceled, {co.id}, seqs,
                          label(model, co.id) + " received ECANCELED at seq " +
                              std::to_string(co.ecanceled_seq) + " and then blocked " +
                              std::to_string(blocks) + " more times (more than " +
                              std::to_string(options.max_blocks_after_ecanceled) + ")"));
  }
}

void refused_during_grace(const Model& model, std::vector<Lint>& out) {
  // A refusal is a blocking call that failed with ECANCELED at once: either
  // a block followed directly by a wake with ECANCELED at the same instant,
  // or an "ecanceled" with no block before it. The first ECANCELED a
  // coroutine sees is the cancellation being delivered; refusals after that
  // are blocking calls its cleanup made in vain.
  struct Walk {
    bool blocked = false;
    std::uint64_t block_seq = 0;
    std::int64_t block_ns = 0;
    bool delivered = false;
    bool last_was_ecanceled_wake = false;
  };
  std::map<CoroutineId, Walk> walks;
  for (const TraceEvent& traced : model.trace.events) {
    const runtime::Event& event = traced.event;
    const Coroutine* co = model.find(event.coroutine);
    if (co == nullptr || event.kind == EventKind::spawn) continue;
    Walk& walk = walks[event.coroutine];
    std::optional<std::uint64_t> refused_block_seq;
    bool ecanceled_here = false;
    if (event.kind == EventKind::wake && event.err == ECANCELED) {
      ecanceled_here = true;
      if (walk.blocked && event.time_ns == walk.block_ns) refused_block_seq = walk.block_seq;
    } else if (event.kind == EventKind::ecanceled) {
      ecanceled_here = !walk.last_was_ecanceled_wake;
      if (ecanceled_here) refused_block_seq = traced.seq;
    }
    const bool in_grace = co->cancel_requested && traced.seq > co->cancel_seq;
    if (refused_block_seq && walk.delivered && in_grace) {
      out.push_back(finding(model, LintKind::refused_during_grace, {co->id}, {*refused_block_seq, traced.seq},
                            label(model, co->id) + " tried to block at seq " +
                                std::to_string(*refused_block_seq) + " during its grace period (cancel at seq " +
                                std::to_string(co->cancel_seq) + ") and was refused with ECANCELED"));
    }
    if (ecanceled_here) walk.delivered = true;
    walk.last_was_ecanceled_wake = event.kind == EventKind::wake && event.err == ECANCELED;
    walk.blocked = event.kind == EventKind::block;
    if (walk.blocked) {
      walk.block_seq = traced.seq;
      walk.block_ns = event.time_ns;
    }
  }
}

void never_yielding(const Model& model, const LintOptions& options, std::vector<Lint>& out) {
  // Count, per coroutine, the events it causes since it last blocked.
  struct Run {
    std::uint64_t events = 0;
    std::uint64_t first_seq = 0;
    std::int64_t first_ns = 0;
    bool reported = false;
  };
  std::map<CoroutineId, Run> runs;
  const bool use_time = !model.trace.header.clock_is_simulated;
  for (const TraceEvent& traced : model.trace.events) {
    const runtime::Event& event = traced.event;
    const CoroutineId actor = actor_of(event);
    if (actor == runtime::no_coroutine || model.find(actor) == nullptr) continue;
    Run& run = runs[actor];
    if (run.events == 0) {
      run.first_seq = traced.seq;
      run.first_ns = event.time_ns;
    }
    ++run.events;
    const bool ends_run = (event.kind == EventKind::block || event.kind == EventKind::exit) &&
                          event.coroutine == actor;
    const bool too_many = run.events > options.max_events_without_block;
    const bool too_long = use_time && event.time_ns - run.first_ns > options.max_run_ns;
    if ((too_many || too_long) && !run.reported) {
      run.reported = true;
      out.push_back(finding(
          model, LintKind::never_yielding, {actor}, {run.first_seq, traced.seq},
          label(model, actor) + " ran from seq " + std::to_string(run.first_seq) + " to seq " +
              std::to_string(traced.seq) + " without blocking (" + std::to_string(run.events) + " events, " +
              std::to_string((event.time_ns - run.first_ns) / 1000000) + " ms)"));
    }
    if (ends_run) run = Run{};
  }
}

void orphan(const Model& model, std::vector<Lint>& out) {
  for (const auto& [id, co] : model.coroutines) {
    const Coroutine* parent = model.outlived_parent(co);
    if (parent == nullptr) continue;
    const std::string when = co.exited ? "exited only at seq " + std::to_string(co.exit_seq) + ", after"
                                       : "was still alive when the trace ended, but";
    out.push_back(finding(model, LintKind::orphan, {co.id, parent->id}, {co.spawn_seq, parent->exit_seq},
                          label(model, co.id) + " " + when + " its parent " + label(model, parent->id) +
                              " exited at seq " + std::to_string(parent->exit_seq)));
  }
}

}  // namespace

std::vector<Lint> lint(const Model& model, const LintOptions& options) {
  std::vector<Lint> out;
  if (model.trace.events.empty()) return out;
  child_outlived_close(model, out);
  kept_blocking_after_ecanceled(model, options, out);
  refused_during_grace(model, out);
  never_yielding(model, options, out);
  orphan(model, out);
  std::stable_sort(out.begin(), out.end(), [](const Lint& a, const Lint& b) {
    auto first = [](const Lint& l) { return l.seqs.empty() ? 0 : l.seqs.front(); };
    auto who = [](const Lint& l) { return l.coroutines.empty() ? 0 : l.coroutines.front(); };
    return std::make_tuple(static_cast<int>(a.kind), first(a), who(a)) <
           std::make_tuple(static_cast<int>(b.kind), first(b), who(b));
  });
  return out;
}

std::string format_lint(const Lint& finding) {
  std::string text = std::string(lint_name(finding.kind)) + ": " + finding.message + " [coroutines";
  for (std::size_t i = 0; i < finding.coroutines.size(); ++i) {
    text += (i == 0 ? " " : ", ") + std::to_string(finding.coroutines[i]);
    if (!finding.sites[i].empty()) text += " at " + finding.sites[i];
  }
  text += "; seq";
  for (std::size_t i = 0; i < finding.seqs.size(); ++i) {
    text += (i == 0 ? " " : ", ") + std::to_string(finding.seqs[i]);
  }
  // One line whatever the trace's strings hold (names with newlines or
  // escape sequences in them).
  return printable(text + "]");
}

}  // namespace canopy::trace
