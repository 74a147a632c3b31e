// canopy run / sweep / replay / list: the documented scenarios under the
// simulator. The pieces live apart: arguments (sim_arguments), running one
// scenario (scenario_run), the sweep's worker pool and its wire format
// (sweep_pool, sweep_wire) and JUnit XML (junit); this file is the commands.
#include "commands_sim.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canopy/scenarios/scenario.h"
#include "canopy/sim/coverage.hpp"
#include "junit.hpp"
#include "replay_input.hpp"
#include "scenario_run.hpp"
#include "shard_auto.hpp"
#include "sim_arguments.hpp"
#include "sweep_merge.hpp"
#include "sweep_pool.hpp"
#include "sweep_json.hpp"
#if CANOPY_CLI_TRACE
#include "sweep_report.hpp"
#endif

namespace sim = canopy::sim;
using canopy::cli::bad;
using canopy::cli::find_scenario;
using canopy::cli::parse_u64;
using canopy::cli::run_and_print;
using canopy::cli::shared_option;

namespace {

constexpr const char* run_usage =
    "canopy run SCENARIO [--seed N] [--strategy fifo|random|pct|replay] [--pct-depth D] "
    "[--inject cancel] [--whatif cancel,timeout] [--jitter-ms N] [--slow-ms N] [--trace PATH]";
constexpr const char* sweep_usage =
    "canopy sweep SCENARIO|all --seeds A..B [--strategy S] [--pct-depth D] [--inject cancel] "
    "[--whatif cancel,timeout] [--jitter-ms N] [--slow-ms N] [--jobs J] [--shard K/N|auto] [--junit FILE] "
    "[--json FILE] [--coverage FILE.json] [--report DIR] | canopy sweep merge ...";

constexpr const char* replay_usage =
    "canopy replay 'v1:scenario=NAME;seed=N;strategy=S;...' [--trace PATH] | --from-input FILE (SCENARIO | -- PROGRAM ...)";

}  // namespace

int canopy_cli_run(int argc, char** argv) {
  const char* name = nullptr;
  const char* trace_path = nullptr;
  sim::options o;
  o.seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) == "--") {
      if (i + 1 >= argc) return bad(run_usage, std::string(a) + " needs a value");
      std::string error;
      if (a == "--trace") {
        trace_path = argv[++i];
      } else if (!shared_option(a, argv[i + 1], o, error)) {
        return bad(run_usage, "unknown option " + std::string(a));
      } else {
        ++i;
      }
      if (!error.empty()) return bad(run_usage, error);
    } else if (name == nullptr) {
      name = argv[i];
    } else {
      return bad(run_usage, "one scenario at a time; \"" + std::string(a) + "\" is one too many");
    }
  }
  if (name == nullptr) return bad(run_usage, "which scenario? (canopy list shows them)");
  std::string error;
  const scenario* sc = find_scenario(name, error);
  if (sc == nullptr) return bad(run_usage, error);
  return run_and_print(*sc, o, trace_path);
}

int canopy_cli_replay(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "--from-input") return canopy::cli::replay_from_input(argc - 1, argv + 1);
  const char* trace_path = nullptr;
  const char* line = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--trace") {
      if (i + 1 >= argc) return bad(replay_usage, "--trace needs a path");
      trace_path = argv[++i];
    } else if (line == nullptr) {
      line = argv[i];
    } else {
      return bad(replay_usage, "one replay line, quoted; \"" + std::string(argv[i]) + "\" is one too many");
    }
  }
  if (line == nullptr) return bad(replay_usage, "which line? paste the replay line a failure printed");
  std::string error;
  auto o = sim::options::from_replay(line, error);
  if (!o) return bad(replay_usage, error);
  if (o->scenario.empty()) {
    return bad(replay_usage,
               "the line names no scenario; lines printed by tests are replayed with "
               "CANOPY_REPLAY='<line>' and the test program");
  }
  const scenario* sc = find_scenario(o->scenario.c_str(), error);
  if (sc == nullptr) return bad(replay_usage, error);
  return run_and_print(*sc, *o, trace_path);
}

int canopy_cli_list(int argc, char** argv) {
  (void)argv;
  if (argc != 1) return bad("canopy list", "list takes no arguments");
  std::size_t n = 0;
  const scenario* all = scenario_all(&n);
  for (std::size_t i = 0; i < n; ++i) std::printf("%-26s %s (%s)\n", all[i].name, all[i].title, all[i].source);
  return 0;
}

int canopy_cli_sweep(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "merge") return canopy::cli::sweep_merge(argc - 1, argv + 1);
  const char* target = nullptr;
  const char* junit = nullptr;
  const char* json = nullptr;
  const char* coverage_path = nullptr;
  const char* report = nullptr;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> seeds;
  std::uint64_t jobs = 1, shard = 1, shards = 1;
  sim::options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) != "--") {
      if (target != nullptr) return bad(sweep_usage, "one scenario (or all) at a time; \"" + std::string(a) + "\" is one too many");
      target = argv[i];
      continue;
    }
    if (i + 1 >= argc) return bad(sweep_usage, std::string(a) + " needs a value");
    std::string_view v = argv[++i];
    std::string error;
    if (a == "--seeds") {
      std::size_t dots = v.find("..");
      std::uint64_t lo, hi;
      if (dots == std::string_view::npos || !parse_u64(v.substr(0, dots), lo) || !parse_u64(v.substr(dots + 2), hi) || lo > hi)
        return bad(sweep_usage, "--seeds takes a range A..B with A <= B, not \"" + std::string(v) + "\"");
      seeds = {lo, hi};
    } else if (a == "--jobs") {
      if (!parse_u64(v, jobs) || jobs < 1 || jobs > 256) return bad(sweep_usage, "--jobs takes 1..256, not \"" + std::string(v) + "\"");
    } else if (a == "--shard" && v == "auto") {
      canopy::cli::Shard from_engine;
      if (!canopy::cli::shard_from_environment(from_engine, error)) return bad(sweep_usage, error);
      shard = from_engine.index;
      shards = from_engine.count;
    } else if (a == "--shard") {
      std::size_t slash = v.find('/');
      if (slash == std::string_view::npos || !parse_u64(v.substr(0, slash), shard) || !parse_u64(v.substr(slash + 1), shards) ||
          shards < 1 || shard < 1 || shard > shards)
        return bad(sweep_usage, "--shard takes K/N with 1 <= K <= N, not \"" + std::string(v) + "\"");
    } else if (a == "--junit") {
      junit = argv[i];
    } else if (a == "--json") {
      json = argv[i];
    } else if (a == "--coverage") {
      coverage_path = argv[i];
    } else if (a == "--report") {
      report = argv[i];
    } else if (!shared_option(a, argv[i], o, error)) {
      return bad(sweep_usage, "unknown option " + std::string(a));
    }
    if (!error.empty()) return bad(sweep_usage, error);
  }
  if (target == nullptr) return bad(sweep_usage, "which scenario? a name, or all");
  if (!seeds) return bad(sweep_usage, "--seeds A..B is required");
  if (seeds->second - seeds->first >= 100'000'000) return bad(sweep_usage, "at most 100,000,000 seeds per sweep");

  std::vector<const scenario*> chosen;
  std::size_t n = 0;
  const scenario* all = scenario_all(&n);
  if (std::string_view(target) == "all") {
    for (std::size_t i = 0; i < n; ++i) chosen.push_back(&all[i]);
  } else {
    std::string error;
    const scenario* sc = find_scenario(target, error);
    if (sc == nullptr) return bad(sweep_usage, error);
    chosen.push_back(sc);
  }
  std::vector<canopy::cli::SweepItem> items;
  std::uint64_t index = 0;
  for (const scenario* sc : chosen) {
    for (std::uint64_t s = seeds->first;; ++s) {
      if (index++ % shards == shard - 1) items.push_back({sc, s});
      if (s == seeds->second) break;
    }
  }

  sim::cancellation_coverage coverage;
  if (coverage_path != nullptr) {
    // A fresh table for this sweep: the workers add to an empty file.
    if (std::remove(coverage_path) != 0 && errno != ENOENT)
      return bad(sweep_usage, std::string("cannot replace --coverage ") + coverage_path + ": " + std::strerror(errno));
    o.coverage = &coverage;
  }
  canopy::cli::PoolResult pool =
      canopy::cli::run_pool(items, o, static_cast<std::size_t>(jobs), coverage_path != nullptr ? coverage_path : "");
  if (!pool.error.empty()) return bad(sweep_usage, pool.error);
  std::vector<canopy::cli::SweepResult>& results = pool.results;
  std::size_t failed = 0, whatif_failed = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    canopy::cli::SweepResult& r = results[i];
    if (!r.done) {
      r.passed = false;
      r.kind = "worker-died";
      r.report = "the worker process running this seed died before reporting it (a crash outside the simulator's reach)";
      sim::options named;
      named.seed = items[i].seed;
      named.strategy = o.strategy;
      named.scenario = items[i].sc->name;
      r.replay = named.replay_line();
    }
    if (is_whatif(r)) {
      ++whatif_failed;
      // The injection first, then what failed.
      std::printf("WHAT-IF %s seed %llu: what-if: %s\n%s: %s\nreplay: canopy replay '%s'\n", items[i].sc->name,
                  static_cast<unsigned long long>(items[i].seed), r.whatif.c_str(), r.kind.c_str(), r.report.c_str(),
                  r.replay.c_str());
    } else if (!r.passed) {
      ++failed;
      std::printf("FAILED %s seed %llu: %s: %s\nreplay: canopy replay '%s'\n", items[i].sc->name,
                  static_cast<unsigned long long>(items[i].seed), r.kind.c_str(), r.report.c_str(), r.replay.c_str());
    }
  }
  std::string whatif_count = o.whatif_cancel || o.whatif_timeout
                                 ? ", " + std::to_string(whatif_failed) + " failed after a what-if injection"
                                 : "";
  std::printf("%zu runs, %zu failed%s (strategy %s, shard %llu/%llu, %llu jobs)\n", items.size(), failed,
              whatif_count.c_str(), sim::to_string(o.strategy), static_cast<unsigned long long>(shard), static_cast<unsigned long long>(shards),
              static_cast<unsigned long long>(jobs));
  std::optional<sim::cancellation_coverage> table;  // what the workers wrote
  if (coverage_path != nullptr) {
    std::FILE* f = std::fopen(coverage_path, "r");
    std::string text;
    char buf[4096];
    for (std::size_t n; f != nullptr && (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    if (f != nullptr) std::fclose(f);
    std::string error;
    table = sim::cancellation_coverage::from_json(text, error);
    if (!table) {
      std::fprintf(stderr, "canopy: cannot read the coverage the workers wrote to %s: %s\n", coverage_path, error.c_str());
      return 2;
    }
    std::printf("%s", table->text().c_str());
  }
  if (junit != nullptr && !canopy::cli::write_junit(junit, items, results)) {
    std::fprintf(stderr, "canopy: cannot write JUnit XML to %s: %s\n", junit, std::strerror(errno));
    return 2;
  }
  if (json != nullptr) {
    canopy::cli::SweepReport shard_report{target, std::to_string(seeds->first) + ".." + std::to_string(seeds->second),
                                    o.replay_line(), shards, {shard}, {}, {}};
    for (std::size_t i = 0; i < items.size(); ++i) shard_report.add(items[i], results[i]);
    if (std::FILE* f = std::fopen(json, "w"); f == nullptr || std::fputs(shard_report.to_json().c_str(), f) < 0 || std::fclose(f) != 0) {
      std::fprintf(stderr, "canopy: cannot write the JSON report to %s: %s\n", json, std::strerror(errno));
      return 2;
    }
  }
  if (report != nullptr) {
#if CANOPY_CLI_TRACE
    std::string error;
    if (!canopy::cli::write_sweep_report(report, items, results, o, table ? &*table : nullptr, error)) {
      std::fprintf(stderr, "canopy: %s\n", error.c_str());
      return 2;
    }
    std::printf("report: %s/index.html\n", report);
#else
    return bad(sweep_usage, "--report needs the trace tools, which this build lacks");
#endif
  }
  // What-if failures fail the sweep too (the user asked for them), but are
  // never counted as real ones.
  return failed == 0 && whatif_failed == 0 && pool.workers_ok ? 0 : 1;
}
