// A scenario gets a scenario_env whose random() draws from the run's seed
// (a stream separate from the scheduler's decisions) and whose note()
// records the virtual time, the coroutine, the point and the text.
#include "scenario_run.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "canopy/sim/random.hpp"
#include "canopy/sim/run.hpp"
#include "canopy/trace/recorder.hpp"

namespace canopy::cli {

namespace {

struct Runner {
  sim::generator random;
  std::vector<Note> notes;
  explicit Runner(std::uint64_t seed) : random(seed) {}
};

long env_random(scenario_env* env) {
  return static_cast<long>(static_cast<Runner*>(env->user)->random.below(std::uint64_t{1} << 31));
}

void env_note(scenario_env* env, const char* point, const char* text) {
  auto* r = static_cast<Runner*>(env->user);
  // Bounded: a scenario that notes in a loop keeps its first notes.
  if (r->notes.size() < 10000) r->notes.push_back({sim::elapsed_ms(), sim::current_coroutine(), point, text});
}

void print_run(const scenario& sc, const sim::options& o, const sim::outcome& out, const std::vector<Note>& notes) {
  std::printf("%s: %s (%s)\n", sc.name, sc.title, sc.source);
  std::printf("seed %llu, strategy %s\n", static_cast<unsigned long long>(o.seed), sim::to_string(o.strategy));
  for (const Note& n : notes) {
    std::printf("%8lld ms  coroutine %-3llu  %-4s %s\n", static_cast<long long>(n.ms),
                static_cast<unsigned long long>(n.coroutine), n.point.c_str(), n.text.c_str());
  }
  for (const std::string& r : out.structure_reports) std::printf("expected: %s\n", r.c_str());
  std::printf("%s: %llu steps, %llu switches, %llu coroutines, %lld virtual ms\n",
              out.passed ? "passed" : "FAILED", static_cast<unsigned long long>(out.stats.steps),
              static_cast<unsigned long long>(out.stats.switches),
              static_cast<unsigned long long>(out.stats.spawned), static_cast<long long>(out.stats.virtual_ms));
  if (!out.passed && !out.whatif.empty()) std::printf("what-if: %s\n", out.whatif.c_str());
  if (!out.passed) std::printf("%s: %s\n", sim::to_string(out.kind), out.report.c_str());
  std::printf("replay: canopy replay '%s'\n", out.replay.c_str());
}

}  // namespace

sim::outcome run_scenario(const scenario& sc, sim::options o, std::vector<Note>* notes) {
  o.scenario = sc.name;
  o.stop_at_structure_broken = sc.unstructured == 0;
  Runner runner(o.seed);
  scenario_env env{env_random, env_note, &runner};
  sim::outcome out = sim::run(o, [&] {
    if (sc.run(&env) != 0) sim::fail("the scenario returned -1: something its document promises did not happen");
  });
  if (sc.unstructured != 0 && out.passed && out.structure_reports.empty()) {
    out.passed = false;
    out.kind = sim::failure_kind::body_failed;
    out.report = "the scenario breaks the structure on purpose, but the runtime reported no broken structure";
  }
  if (notes != nullptr) *notes = std::move(runner.notes);
  return out;
}

sim::outcome record_scenario(const scenario& sc, const sim::options& given, const char* trace_path,
                             std::vector<Note>* notes, std::string& error) {
  // What strategy auto picked for this seed: the trace header names it, as
  // the replay line does.
  const sim::options o = given.resolved();
  trace::Header h;
  h.clock_is_simulated = true;
  h.seed = o.seed;
  h.strategy = sim::to_string(o.strategy);
  h.program = "canopy";
  h.scenario = sc.name;
  sim::options named = o;
  named.scenario = sc.name;
  h.replay = "canopy replay '" + named.replay_line() + "'";
  std::unique_ptr<trace::Recorder> recorder = trace::Recorder::open(trace_path, h);
  if (!recorder) {
    error = std::string("cannot write the trace to ") + trace_path + ": " + std::strerror(errno);
    return {};
  }
  sim::options with_trace = o;
  with_trace.observer = recorder.get();
  sim::outcome out = run_scenario(sc, with_trace, notes);
  trace::RunEnd end;
  end.how = out.passed ? "returned" : sim::to_string(out.kind);
  if (!out.passed) end.report = out.report.c_str();
  recorder->end(end);
  recorder->close();
  return out;
}

sim::outcome shrink_scenario(const scenario& sc, const sim::options& o, const sim::outcome& failed,
                             std::uint64_t max_runs) {
  sim::options named = o;
  named.scenario = sc.name;
  named.stop_at_structure_broken = sc.unstructured == 0;
  return sim::shrink(named, failed, [&] {
    Runner runner(named.seed);
    scenario_env env{env_random, env_note, &runner};
    if (sc.run(&env) != 0) sim::fail("the scenario returned -1: something its document promises did not happen");
  }, max_runs);
}

int run_and_print(const scenario& sc, const sim::options& given, const char* trace_path) {
  // What strategy auto picked for this seed: the narration names it.
  const sim::options o = given.resolved();
  std::vector<Note> notes;
  sim::outcome out;
  if (trace_path != nullptr) {
    std::string error;
    out = record_scenario(sc, o, trace_path, &notes, error);
    if (!error.empty()) {
      std::fprintf(stderr, "canopy: %s\n", error.c_str());
      return 2;
    }
  } else {
    out = run_scenario(sc, o, &notes);
  }
  print_run(sc, o, out, notes);
  return out.passed ? 0 : 1;
}

}  // namespace canopy::cli
