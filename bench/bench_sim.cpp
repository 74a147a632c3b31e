// Benchmarks of the simulator (Google Benchmark).
// Links: canopy_static (core + sim + trace recorder) and benchmark::benchmark;
// uses only public headers (canopy/canopy.hpp, canopy/sim/run.hpp), so it
// needs no scenario library: parent-closes-child is written out below.
//
//   BM_sim_runs_parent_closes_child   seeded runs per second, tracing off
//   BM_sim_spawn_and_close/N          one run with N coroutines (10,000, 100,000)
//   BM_yield_ping_pong_real           a switch on the real runtime
//   BM_yield_ping_pong_sim/S          a switch under the simulator, strategy S
//                                     (0 fifo, 1 random, 2 pct)
// Compare ns_per_yield of the last two for the simulation's overhead.
#include <benchmark/benchmark.h>

#include <canopy/canopy.hpp>
#include <canopy/sim/random.hpp>
#include <canopy/sim/run.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace sim = canopy::sim;
using namespace std::chrono_literals;

namespace {

// 001, "Parent coroutine closes child coroutine": the child sleeps 2 s; the
// parent sleeps a seeded 0..3 s and closes it.
void parent_closes_child(std::uint64_t seed) {
  sim::generator random(seed);
  canopy::child worker = canopy::go([] {
    if (canopy::sleep_for(2000ms).cancelled()) return;
  });
  (void)canopy::sleep_for(std::chrono::milliseconds(random.below(3000)));
  (void)worker.close();
}

void BM_sim_runs_parent_closes_child(benchmark::State& state) {
  sim::options o;
  std::uint64_t seed = 0;
  for (auto _ : state) {
    o.seed = ++seed;
    sim::outcome r = sim::run(o, [&] { parent_closes_child(o.seed); });
    if (!r.passed) state.SkipWithError(r.describe().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["runs_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_sim_runs_parent_closes_child);

void BM_sim_spawn_and_close(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  sim::options o;
  o.max_steps = 0;
  std::uint64_t switches = 0;
  for (auto _ : state) {
    o.seed++;
    sim::outcome r = sim::run(o, [&] {
      canopy::bundle b;
      for (int i = 0; i < n; ++i) {
        b.go([] { (void)canopy::sleep_for(30s); }, {.stack_bytes = 16 * 1024});
      }
      (void)canopy::sleep_for(1s);
      (void)b.close();  // cancels all n, waits for them
    });
    if (!r.passed) state.SkipWithError(r.describe().c_str());
    switches += r.stats.switches;
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["switches_per_run"] = static_cast<double>(switches) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_sim_spawn_and_close)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

constexpr int ping_pong_yields = 10'000;

void ping_pong() {
  canopy::child other = canopy::go([] {
    for (int i = 0; i < ping_pong_yields; ++i) (void)canopy::yield();
  });
  for (int i = 0; i < ping_pong_yields; ++i) (void)canopy::yield();
}

// Per yield rather than per switch: under pct one coroutine may yield many
// times in a row without a switch, which is still a scheduling step.
void BM_yield_ping_pong_real(benchmark::State& state) {
  for (auto _ : state) ping_pong();
  state.counters["ns_per_yield"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2 * ping_pong_yields,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_yield_ping_pong_real);

void BM_yield_ping_pong_sim(benchmark::State& state) {
  sim::options o;
  o.strategy = state.range(0) == 0 ? sim::strategy::fifo : state.range(0) == 1 ? sim::strategy::random : sim::strategy::pct;
  o.max_steps = 0;
  for (auto _ : state) {
    o.seed++;
    sim::outcome r = sim::run(o, ping_pong);
    if (!r.passed) state.SkipWithError(r.describe().c_str());
  }
  state.counters["ns_per_yield"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2 * ping_pong_yields,
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_yield_ping_pong_sim)->Arg(0)->Arg(1)->Arg(2);

}  // namespace

BENCHMARK_MAIN();
