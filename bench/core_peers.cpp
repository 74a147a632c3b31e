// The peers: Boost.Context (fcontext and fiber) and Boost.Fiber, measured
// exactly as the Canopy benchmarks in bench_core.cpp are.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/fiber.hpp>
#include <boost/fiber/all.hpp>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "core_util.hpp"

namespace canopy_bench {
namespace {

namespace bcd = boost::context::detail;
namespace fibers = boost::fibers;
using clk = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// 1. Context switch

void fcontext_entry(bcd::transfer_t t) {
  for (;;) t = bcd::jump_fcontext(t.fctx, nullptr);
}

// One jump_fcontext is one switch; a round trip is two.
void switch_boost_fcontext(benchmark::State& state) {
  constexpr std::size_t stack_bytes = 64 * 1024;
  void* stack = std::aligned_alloc(64, stack_bytes);
  bcd::fcontext_t other =
      bcd::make_fcontext(static_cast<char*>(stack) + stack_bytes, stack_bytes, &fcontext_entry);
  batched(state, [&](long n) {
    for (long i = 0; i < n; i += 2) other = bcd::jump_fcontext(other, nullptr).fctx;
  });
  std::free(stack);
}

void switch_boost_context_fiber(benchmark::State& state) {
  namespace ctx = boost::context;
  ctx::fiber f{[](ctx::fiber&& main) {
    for (;;) main = std::move(main).resume();
    return std::move(main);
  }};
  batched(state, [&](long n) {
    for (long i = 0; i < n; i += 2) f = std::move(f).resume();
  });
}

void switch_boost_fiber(benchmark::State& state) {
  bool stop = false;
  fibers::fiber f([&] {
    while (!stop) boost::this_fiber::yield();
  });
  batched(state, [](long n) {
    for (long i = 0; i < n; i += 2) boost::this_fiber::yield();
  });
  stop = true;
  f.join();
}

// ---------------------------------------------------------------------------
// 2. Spawn + join of a fiber that returns at once

void noop() {}

void go_hclose_boost_fiber(benchmark::State& state) {
  batched(state, [](long n) {
    for (long i = 0; i < n; ++i) fibers::fiber(&noop).join();
  });
}

// ---------------------------------------------------------------------------
// 3. Channel message

void channel_boost_fiber(benchmark::State& state) {
  fibers::unbuffered_channel<int> ch;
  fibers::fiber sender([&] {
    int i = 0;
    while (ch.push(i++) == fibers::channel_op_status::success) {
    }
  });
  batched(state, [&](long n) {
    int v = 0;
    for (long i = 0; i < n; ++i) {
      ch.pop(v);
      benchmark::DoNotOptimize(v);
    }
  });
  ch.close();
  sender.join();
}

// ---------------------------------------------------------------------------
// 5. 100,000 blocked fibers, then waking and joining them all. Boost.Fiber
// cannot cancel a sleep, so each blocks on a channel that is then closed.
// Stacks: fixedsize_stack of 64 KiB (malloc, no guard page; the default
// 128 KiB would be one mmap each and run into the map limit, and
// protected_fixedsize_stack costs two maps each).

void spawn_sleeping_boost_fiber(benchmark::State& state) {
  const long n = spawn_count;
  SpawnPeak peak;
  for (auto _ : state) {
    malloc_trim(0);
    long rss0 = rss_bytes();
    long maps0 = map_count();
    auto t0 = clk::now();
    fibers::unbuffered_channel<int> gate;
    std::vector<fibers::fiber> all;
    all.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) {
      all.emplace_back(std::allocator_arg, boost::context::fixedsize_stack(64 * 1024), [&gate] {
        int v;
        (void)gate.pop(v);
      });
    }
    boost::this_fiber::yield();  // let every fiber run until it blocks
    auto t1 = clk::now();
    long rss1 = rss_bytes();
    long maps1 = map_count();
    auto t2 = clk::now();
    gate.close();
    for (auto& f : all) f.join();
    all.clear();
    auto t3 = clk::now();
    double seconds = std::chrono::duration<double>((t1 - t0) + (t3 - t2)).count();
    state.SetIterationTime(seconds);
    peak.add(seconds, rss0, rss1, maps0, maps1);
  }
  report_spawn(state, peak, n);
}

}  // namespace

void register_peer_switch() {
  benchmark::RegisterBenchmark("switch/boost_fcontext", switch_boost_fcontext);
  benchmark::RegisterBenchmark("switch/boost_context_fiber", switch_boost_context_fiber);
  benchmark::RegisterBenchmark("switch/boost_fiber", switch_boost_fiber);
}

void register_peer_go() {
  benchmark::RegisterBenchmark("go_hclose/boost_fiber", go_hclose_boost_fiber);
}

void register_peer_channel() {
  benchmark::RegisterBenchmark("channel/boost_fiber", channel_boost_fiber);
}

void register_peer_spawn() {
  benchmark::RegisterBenchmark("spawn_sleeping_100k/boost_fiber", spawn_sleeping_boost_fiber)
      ->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
}

}  // namespace canopy_bench
