// The side-by-side benchmark: dill_ops.c's operations, one source built into
// two programs, bench_dill_canopy (against Canopy's <libdill.h>) and, when
// CANOPY_LIBDILL_DIR names a libdill build, bench_dill_libdill. The two
// cannot share a binary (they define the same symbols); bench/side_by_side.py
// runs them alternately and reports ratios with medians and spread.
//
// Every benchmark reports `ns_per_op`, the time of one operation, so that
// batched operations (one switch) and whole-batch ones (spawn 20,000 and
// close) read alike. `--count NAME OPS` runs one benchmark's operations OPS
// times outside Google Benchmark, for instruction counts under callgrind.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "dill_ops.h"

namespace {

/// One benchmark: how to set it up, run `n` operations, and how many
/// operations one call of `run` makes when it runs a whole batch.
struct Operation {
  const char* name;
  int (*begin)(dill_ops_state*);  ///< null: nothing to set up
  int (*run)(dill_ops_state*, long n);
  long batch_ops;                 ///< 0: `n` chosen by the benchmark loop; else ops per run
};

int choose1_begin(dill_ops_state* s) { return dill_ops_channel_begin(s); }

constexpr long spawn_count = 20'000;
constexpr long timer_count = 1'000'000;

constexpr Operation operations[] = {
    {"switch", dill_ops_switch_begin, dill_ops_switch_run, 0},
    {"go_hclose", nullptr, dill_ops_go_hclose_run, 0},
    {"channel", dill_ops_channel_begin, dill_ops_channel_run, 0},
    {"choose1", choose1_begin, dill_ops_choose1_run, 0},
    {"choose2", dill_ops_choose2_begin, dill_ops_choose2_run, 0},
    {"spawn_sleeping_20k", nullptr, dill_ops_spawn_sleeping_run, spawn_count},
    {"timers_1m", nullptr, dill_ops_timers_run, timer_count},
    {"now", nullptr, dill_ops_now_run, 0},
};

dill_ops_state fresh_state() { return dill_ops_state{-1, {-1, -1}, {-1, -1}}; }

/// Operations per call of `run` in the benchmark loop, for batched ones: large
/// enough that the loop costs nothing per operation.
constexpr long loop_batch = 128;

void run_operation(benchmark::State& state, const Operation* op) {
  dill_ops_state s = fresh_state();
  if (op->begin != nullptr && op->begin(&s) != 0) {
    state.SkipWithError("setting up failed");
    dill_ops_end(&s);
    return;
  }
  long per_run = op->batch_ops != 0 ? op->batch_ops : loop_batch;
  long ops = 0;
  for (auto _ : state) {
    if (op->run(&s, per_run) != 0) {
      state.SkipWithError("an operation failed");
      break;
    }
    ops += per_run;
  }
  dill_ops_end(&s);
  // Seconds per (ops * 1e-9): nanoseconds per operation.
  state.counters["ns_per_op"] = benchmark::Counter(
      static_cast<double>(ops) * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

const Operation* find_operation(std::string_view name) {
  for (const Operation& op : operations) {
    if (name == op.name) return &op;
  }
  return nullptr;
}

/// `--count NAME OPS`: OPS operations (rounded up to whole batches), no timing.
int count_mode(const char* name, const char* ops_text) {
  const Operation* op = find_operation(name);
  char* end = nullptr;
  long ops = std::strtol(ops_text, &end, 10);
  if (op == nullptr || end == ops_text || *end != '\0' || ops <= 0) {
    std::fprintf(stderr, "bench_dill: --count takes a benchmark name and a positive count, not '%s %s'\n",
                 name, ops_text);
    return 2;
  }
  dill_ops_state s = fresh_state();
  if (op->begin != nullptr && op->begin(&s) != 0) return 1;
  long per_run = op->batch_ops != 0 ? op->batch_ops : ops;
  for (long done = 0; done < ops; done += per_run) {
    if (op->run(&s, per_run) != 0) return 1;
  }
  dill_ops_end(&s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--count") == 0) return count_mode(argv[2], argv[3]);
  for (const Operation& op : operations) {
    auto* b = benchmark::RegisterBenchmark(op.name, run_operation, &op);
    if (op.batch_ops != 0) b->Iterations(op.batch_ops == timer_count ? 3 : 10);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
