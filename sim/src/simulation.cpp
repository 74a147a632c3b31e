// The Simulation object: wiring the seams together and ending runs.
#include "simulation.hpp"

#include <unistd.h>

#include <cstdio>
#include <utility>

#include "abort_note.hpp"
#include "canopy/sim/coverage.hpp"
#include "fuzz_input.hpp"
#include "canopy/runtime/embedding.hpp"

namespace canopy::sim::detail {

namespace {
thread_local Simulation* tl_simulation = nullptr;

/// The last run's decision record, kept for the next run on this thread.
/// A long run records a decision a step; into a fresh vector that is a page
/// fault every thousand steps and a reallocation at every doubling (about
/// a tenth of a 20,000-step run's time on a VM). Into a kept buffer it is
/// memory already mapped. Buffers past this size are not kept.
constexpr std::size_t max_kept_decisions = std::size_t{1} << 18;
thread_local std::vector<std::uint32_t> kept_decisions;
}  // namespace

Simulation* current_simulation() { return tl_simulation; }

Simulation* install_simulation(Simulation* s) {
  Simulation* previous = tl_simulation;
  tl_simulation = s;
  return previous;
}

Simulation::Simulation(const options& o, mode m)
    : options_(o.resolved()), mode_(m), choices_(make_choice_source(options_)), poller(*this), network(*this),
      director(*this), policy(*this), injector(*this), observer(*this), failures(*this) {
  decisions.swap(kept_decisions);
  decisions.clear();
}

Simulation::~Simulation() {
  if (decisions.capacity() > max_kept_decisions) return;
  decisions.clear();
  kept_decisions.swap(decisions);
}

runtime::Platform Simulation::platform() {
  runtime::Platform p;
  p.clock = &clock;
  p.poller = &poller;
  p.policy = &policy;
  p.observer = &observer;
  p.injector = &injector;
  p.failures = &failures;
  p.sockets = &network;
  return p;
}

void Simulation::note_failure(failure_kind kind, const std::string& report) {
  if (failure != failure_kind::none) return;
  failure = kind;
  failure_report = report;
}

int exit_status_for(failure_kind kind) {
  switch (kind) {
    case failure_kind::none: return 0;
    case failure_kind::deadlock: return 3;          // as the real runtime
    case failure_kind::crashed: return 4;           // as the real runtime
    case failure_kind::structure_broken: return 5;
    case failure_kind::cancelled_still_running: return 6;
    case failure_kind::step_budget:
    case failure_kind::time_budget: return 7;
    case failure_kind::coroutines_leaked:
    case failure_kind::handles_leaked: return 8;
    case failure_kind::body_failed: return 1;
  }
  return 1;
}

void Simulation::fail(failure_kind kind, const std::string& report) {
  note_failure(kind, report);
  if (run_mode() == mode::whole_program) {
    before_process_ends(kind, exit_status_for(kind), report);
    std::fflush(stdout);
    write_coverage();
    if (!injections.empty()) std::fprintf(stderr, "canopy: what-if: %s\n", whatif_note().c_str());
    std::fprintf(stderr, "canopy: %s\ncanopy: replay: %s\n", report.c_str(), replay_line().c_str());
    if (!outside_note.empty()) {
      std::fprintf(stderr, "canopy: not reproducible: the run waited on %s, so the replay may differ\n",
                   outside_note.c_str());
    }
    std::fflush(nullptr);
    if (fuzzing()) {
      write_fuzz_line(*this);
      abort_for_fuzzer();
    }
    // exit() would run destructors of objects coroutines still use.
    _exit(exit_status_for(kind));
  }
  runtime::abandon_run();
}

options Simulation::replay_options() const {
  options o = options_;
  if (o.strategy == strategy::replay || o.strategy == strategy::dfs) o.decisions = decisions;
  // Exact slow steps repeat the run even when the schedule is edited.
  if (o.slow_steps || ((o.slow_ms != 0 || o.directed_cancel) && (o.strategy == strategy::replay || o.strategy == strategy::dfs)))
    o.slow_steps = slow_steps;
  if (o.fuzz_choices) {
    // What the input chose, written down: the plan makes the replay inject
    // at the same calls.
    o.fuzz_choices.reset();
    if (o.whatif_cancel || o.whatif_timeout) o.injections = injections;
  }
  return o;
}

std::string Simulation::replay_line() const {
  const options o = replay_options();
  if (run_mode() == mode::whole_program) {
    std::string line = o.environment_line();
    return program_command.empty() ? line : line + " " + program_command;
  }
  return o.replay_line();
}

void Simulation::finish(outcome& out) {
  out.passed = failure == failure_kind::none;
  out.kind = failure;
  out.report = failure_report;
  // The line and the note read the records below: first, before they move.
  out.replay = replay_line();
  out.whatif = whatif_note();
  out.stats = stats;
  out.stats.virtual_ms = clock.now_ns() / 1'000'000 - epoch_ms;
  policy.copy_decisions(out.decisions);  // the buffer stays for the next run
  out.choices = std::move(decision_sizes);
  out.injections = std::move(injections);
  out.slow_steps = std::move(slow_steps);
  out.coverage = injector.coverage();
  out.trace_hash = trace_hash;
  out.structure_reports = std::move(structure_reports);
  out.events = std::move(events);
  out.reproducible = outside_note.empty();
  out.outside = outside_note;
}

void Simulation::note_outside(int fd, const std::string& what) {
  if (!outside_note.empty()) return;
  outside_note = "descriptor " + std::to_string(fd) + " (" + what + ", connected to the outside)";
  emit({.kind = runtime::EventKind::outside, .object = static_cast<runtime::ObjectId>(fd)});
}

void Simulation::write_coverage() {
  if (coverage_path.empty()) return;
  cancellation_coverage table;
  outcome run;
  run.coverage = injector.coverage();
  table.add(run);
  std::string error;
  if (!table.accumulate_into(coverage_path, error)) std::fprintf(stderr, "canopy: CANOPY_COVERAGE: %s\n", error.c_str());
  coverage_path.clear();  // once
}

std::string Simulation::whatif_note() const {
  if (injections.empty()) return "";
  std::string more = injections.size() == 1 ? "" : " (" + std::to_string(injections.size()) + " injections in all)";
  return first_whatif + more +
         "; this run is not one a real machine can produce, and its failure may be a consequence of "
         "the injection";
}

void Simulation::advance_clock_ms(std::int64_t ms) {
  std::int64_t target = clock.now_ns() + ms * 1'000'000;
  poller.check_time_budget(target);
  clock.advance_to(target);
  stats.virtual_ms = clock.now_ns() / 1'000'000 - epoch_ms;
}

void Simulation::emit(runtime::Event e) {
  e.time_ns = clock.now_ns();
  e.coroutine = runtime::running_coroutine();
  observer.record(e);
}

std::string describe_event(const runtime::Event& e) {
  std::string s = std::to_string(e.time_ns / 1'000'000 - epoch_ms) + "ms " + runtime::to_string(e.kind) +
                  " co=" + std::to_string(e.coroutine);
  if (e.other != runtime::no_coroutine) s += " other=" + std::to_string(e.other);
  if (e.object != 0) s += " object=" + std::to_string(e.object);
  if (e.kind == runtime::EventKind::block) s += std::string(" reason=") + runtime::to_string(e.reason);
  if (e.deadline_ms >= 0) s += " deadline=" + std::to_string(e.deadline_ms - epoch_ms);
  if (e.err != 0) s += " err=" + std::to_string(e.err);
  if (e.bytes != 0) s += " bytes=" + std::to_string(e.bytes);
  if (e.bytes_received != 0) s += " received=" + std::to_string(e.bytes_received);
  if (e.other_object != 0) s += " peer=" + std::to_string(e.other_object);
  if (e.side >= 0) s += " side=" + std::to_string(e.side);
  if (e.kind == runtime::EventKind::spawn && e.site.line != 0) s += " line=" + std::to_string(e.site.line);
  return s;
}

}  // namespace canopy::sim::detail

namespace canopy::sim {

const char* to_string(failure_kind kind) {
  switch (kind) {
    case failure_kind::none: return "none";
    case failure_kind::deadlock: return "deadlock";
    case failure_kind::structure_broken: return "structure-broken";
    case failure_kind::cancelled_still_running: return "cancelled-still-running";
    case failure_kind::crashed: return "crashed";
    case failure_kind::coroutines_leaked: return "coroutines-leaked";
    case failure_kind::handles_leaked: return "handles-leaked";
    case failure_kind::step_budget: return "step-budget";
    case failure_kind::time_budget: return "time-budget";
    case failure_kind::body_failed: return "body-failed";
  }
  return "unknown";
}

std::string outcome::describe() const {
  std::string note = reproducible ? "" : "\nnot reproducible: the run waited on " + outside;
  if (passed) return "passed; replay: " + replay + note;
  std::string label = whatif.empty() ? "" : "what-if: " + whatif + "\n";
  return label + to_string(kind) + ": " + report + "\nreplay: " + replay + note;
}

}  // namespace canopy::sim
