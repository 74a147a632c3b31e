// Core benchmarks of issue 2: Canopy's C and C++ APIs against a bare register
// swap, Boost.Context and Boost.Fiber, in one binary and one run.
//
// Names are "<benchmark>/<implementation>"; bench/compare.py turns the JSON
// output into a Markdown table of ratios. Time per iteration is the time per
// operation (one switch, one go+hclose, one message, one choose); the spawn
// benchmarks report per-coroutine counters instead. See bench/README.md.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "canopy/canopy.hpp"
#include "canopy/detail/context.h"
#include "core_c_api.h"
#include "core_util.hpp"

namespace canopy_bench {
namespace {

using clk = std::chrono::steady_clock;

void fail(benchmark::State& state, const char* what) { state.SkipWithError(what); }

// ---------------------------------------------------------------------------
// 1. Context switch

// The floor: canopy_ctx_swap between two hand-made contexts, no scheduler.
struct BareSwap {
  canopy_ctx main_ctx{};
  canopy_ctx other_ctx{};
};

const canopy_ctx* bare_entry(void* arg) {
  auto* b = static_cast<BareSwap*>(arg);
  for (;;) canopy_ctx_swap(&b->other_ctx, &b->main_ctx);
}

void switch_bare_swap(benchmark::State& state) {
  constexpr std::size_t stack_bytes = 64 * 1024;
  void* stack = std::aligned_alloc(64, stack_bytes);
  BareSwap b;
  // As core/src/coroutine.cpp starts a coroutine: bare_entry(&b) on a
  // 16-byte aligned stack, until its first swap back.
  auto top = reinterpret_cast<std::uintptr_t>(stack) + stack_bytes;
#if defined(__x86_64__)
  canopy_ctx_start(&b.main_ctx, reinterpret_cast<void*>(top & ~std::uintptr_t{15}), &bare_entry, &b);
#elif defined(__aarch64__)
  b.other_ctx.sp = reinterpret_cast<void*>(top & ~std::uintptr_t{15});
  b.other_ctx.pc = reinterpret_cast<void*>(&canopy_ctx_trampoline);
  b.other_ctx.x[0] = &b;
  b.other_ctx.x[1] = reinterpret_cast<void*>(&bare_entry);
  canopy_ctx_swap(&b.main_ctx, &b.other_ctx);
#endif
  batched(state, [&](long n) {
    for (long i = 0; i < n; i += 2) canopy_ctx_swap(&b.main_ctx, &b.other_ctx);
  });
  std::free(stack);  // the other context is suspended for good; its stack can go
}

void switch_canopy_c(benchmark::State& state) {
  int h = cb_switch_begin();
  if (h < 0) return fail(state, "go failed");
  batched(state, [](long n) { cb_switch_run(n); });
  cb_end(h, nullptr);
}

void switch_canopy_cpp(benchmark::State& state) {
  canopy::child c = canopy::go([] {
    while (canopy::yield().ok()) {
    }
  });
  batched(state, [](long n) {
    for (long i = 0; i < n; i += 2) (void)canopy::yield();
  });
}

// ---------------------------------------------------------------------------
// 2. go + hclose of a coroutine that returns at once

void go_hclose_canopy_c(benchmark::State& state) {
  batched(state, [&](long n) {
    if (cb_go_hclose_run(n) != 0) fail(state, "go/hclose failed");
  });
}

void go_hclose_canopy_cpp(benchmark::State& state) {
  batched(state, [](long n) {
    for (long i = 0; i < n; ++i) {
      canopy::child c = canopy::go([] {});
    }
  });
}

// ---------------------------------------------------------------------------
// 3. Channel message: a coroutine sends ints, main receives

void channel_canopy_c(benchmark::State& state) {
  int ch[2];
  int h = cb_chan_begin(ch);
  if (h < 0) return fail(state, "chmake/go failed");
  batched(state, [&](long n) {
    if (cb_chan_run(ch[0], n) != 0) fail(state, "chrecv failed");
  });
  cb_end(h, ch);
}

void channel_canopy_cpp(benchmark::State& state) {
  canopy::channel<int> ch;
  canopy::child sender = canopy::go([&] {
    int i = 0;
    while (ch.send(i++).ok()) {
    }
  });
  batched(state, [&](long n) {
    for (long i = 0; i < n; ++i) {
      canopy::result<int> r = ch.recv();
      benchmark::DoNotOptimize(r);
    }
  });
}

// ---------------------------------------------------------------------------
// 4. choose with two clauses, one completes

void choose_canopy_c(benchmark::State& state) {
  int idle[2], busy[2];
  int h = cb_choose_begin(idle, busy);
  if (h < 0) return fail(state, "chmake/go failed");
  batched(state, [&](long n) {
    if (cb_choose_run(idle[0], busy[0], n) != 0) fail(state, "choose failed");
  });
  cb_end(h, busy);
  cb_end(-1, idle);
}

void choose_canopy_cpp(benchmark::State& state) {
  canopy::channel<int> idle, busy;
  canopy::child sender = canopy::go([&] {
    int i = 0;
    while (busy.send(i++).ok()) {
    }
  });
  long sum = 0;
  batched(state, [&](long n) {
    for (long i = 0; i < n; ++i) {
      auto r = canopy::choose(canopy::deadline::forever(),
                              canopy::on_recv(idle.rx(), [](canopy::result<int>) {}),
                              canopy::on_recv(busy.rx(), [&](canopy::result<int> v) { sum += *v; }));
      benchmark::DoNotOptimize(r);
    }
  });
  benchmark::DoNotOptimize(sum);
}

// The same without a partner or a switch: the second clause's channel is
// done, so it completes at once with EPIPE. choose's own overhead.
void choose_ready_canopy_c(benchmark::State& state) {
  int idle[2], ended[2];
  if (cb_choose_ready_begin(idle, ended) != 0) return fail(state, "chmake failed");
  batched(state, [&](long n) {
    if (cb_choose_ready_run(idle[0], ended[0], n) != 0) fail(state, "choose failed");
  });
  cb_end(-1, idle);
  cb_end(-1, ended);
}

void choose_ready_canopy_cpp(benchmark::State& state) {
  canopy::channel<int> idle, ended;
  (void)ended.done();
  batched(state, [&](long n) {
    for (long i = 0; i < n; ++i) {
      auto r = canopy::choose(canopy::deadline::forever(),
                              canopy::on_recv(idle.rx(), [](canopy::result<int>) {}),
                              canopy::on_recv(ended.rx(), [](canopy::result<int>) {}));
      benchmark::DoNotOptimize(r);
    }
  });
}

// ---------------------------------------------------------------------------
// 5. 100,000 sleeping coroutines in a bundle, then closing the bundle

// Recurses until it runs off its stack.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) int overflow(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  return overflow(depth + 1) + frame[0];
}
#pragma GCC diagnostic pop

// With every coroutine of the benchmark alive, a new one overflows its stack
// in a forked copy of the process: detected (1) when the copy dies of SIGSEGV
// after Canopy's guard handler named the overflow.
int overflow_detected() {
  int pipefd[2];
  if (pipe(pipefd) != 0) return -1;
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(pipefd[1], STDERR_FILENO);
    close(pipefd[0]);
    canopy::child c = canopy::go([] { (void)overflow(0); });
    _exit(0);  // not reached when the guard works
  }
  close(pipefd[1]);
  std::string out;
  char buf[512];
  ssize_t r;
  while ((r = read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(r));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (std::getenv("CANOPY_BENCH_DEBUG") != nullptr) {
    std::fprintf(stderr, "overflow child: status %#x, said: %s\n", status, out.c_str());
  }
  // Canopy's handler re-raises SIGSEGV while it is blocked, so the copy
  // exits with 128 + SIGSEGV rather than dying of the signal: accept both.
  bool died = (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) ||
              (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGSEGV);
  return died &&
         out.find("stack overflow in coroutine") != std::string::npos;
}

// Spawns n sleepers with `spawn` (which returns the bundle, or < 0), then
// closes it with `close`; times both and samples memory in between.
template <class Spawn, class Close>
void spawn_sleeping(benchmark::State& state, Spawn&& spawn, Close&& close, bool check_overflow,
                    long n = spawn_count) {
  SpawnPeak peak;
  int detected = -1;
  for (auto _ : state) {
    malloc_trim(0);
    long rss0 = rss_bytes();
    long maps0 = map_count();
    auto t0 = clk::now();
    auto b = spawn(n);
    auto t1 = clk::now();
    if (!b) {
      fail(state, "spawning failed (ENOMEM? too many maps?)");
      break;
    }
    long rss1 = rss_bytes();
    long maps1 = map_count();
    auto t2 = clk::now();
    close(b);
    auto t3 = clk::now();
    double seconds = std::chrono::duration<double>((t1 - t0) + (t3 - t2)).count();
    state.SetIterationTime(seconds);
    peak.add(seconds, rss0, rss1, maps0, maps1);
  }
  // Untimed: fork() makes every page copy-on-write, which would slow down
  // whatever runs next in this process.
  if (check_overflow && !state.error_occurred()) {
    auto b = spawn(n);
    if (b) {
      detected = overflow_detected();
      close(b);
    }
  }
  report_spawn(state, peak, n);
  if (check_overflow) state.counters["overflow_detected"] = detected;
}

// A bundle of n sleeping coroutines made through the C API, and its close.
std::optional<int> open_bundle_of_sleepers_c(long n) {
  int b = cb_bundle_begin();
  if (b < 0 || cb_bundle_spawn_sleepers(b, n) != 0) return std::nullopt;
  return b;
}
void close_bundle_c(std::optional<int>& b) { cb_hclose(*b); }

void spawn_sleeping_canopy_c(benchmark::State& state) {
  spawn_sleeping(state, open_bundle_of_sleepers_c, close_bundle_c, true);
}

// A million sleeping coroutines alive at once, each on a pooled 256 KiB
// stack with its guard region: the resident bytes each one costs, and
// whether the memory maps stay far below the kernel's limit.
void live_sleeping_1m_canopy_c(benchmark::State& state) {
  spawn_sleeping(state, open_bundle_of_sleepers_c, close_bundle_c, false, live_count);
}

void spawn_sleeping_canopy_cpp(benchmark::State& state) {
  spawn_sleeping(
      state,
      [](long n) {
        auto b = std::make_optional<canopy::bundle>();
        for (long i = 0; i < n; ++i) {
          b->go([] { (void)canopy::sleep_for(std::chrono::seconds(1000)); });
        }
        return b;
      },
      [](std::optional<canopy::bundle>& b) { b.reset(); }, false);
}

void register_all() {
  using benchmark::RegisterBenchmark;
  RegisterBenchmark("switch/bare_swap", switch_bare_swap);
  RegisterBenchmark("switch/canopy_c", switch_canopy_c);
  RegisterBenchmark("switch/canopy_cpp", switch_canopy_cpp);
  register_peer_switch();
  RegisterBenchmark("go_hclose/canopy_c", go_hclose_canopy_c);
  RegisterBenchmark("go_hclose/canopy_cpp", go_hclose_canopy_cpp);
  register_peer_go();
  RegisterBenchmark("channel/canopy_c", channel_canopy_c);
  RegisterBenchmark("channel/canopy_cpp", channel_canopy_cpp);
  register_peer_channel();
  RegisterBenchmark("choose/canopy_c", choose_canopy_c);
  RegisterBenchmark("choose/canopy_cpp", choose_canopy_cpp);
  RegisterBenchmark("choose_ready/canopy_c", choose_ready_canopy_c);
  RegisterBenchmark("choose_ready/canopy_cpp", choose_ready_canopy_cpp);
  RegisterBenchmark("spawn_sleeping_100k/canopy_c", spawn_sleeping_canopy_c)
      ->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
  RegisterBenchmark("spawn_sleeping_100k/canopy_cpp", spawn_sleeping_canopy_cpp)
      ->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
  register_peer_spawn();
}

// Minutes and about 4.5 GB resident: only when asked for (--live_sleeping_1m).
void register_live_sleeping_1m() {
  benchmark::RegisterBenchmark("live_sleeping_1m/canopy_c", live_sleeping_1m_canopy_c)
      ->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace canopy_bench

int main(int argc, char** argv) {
  canopy_bench::register_all();
  // Our own flag, taken out before Google Benchmark sees the arguments.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--live_sleeping_1m") == 0) {
      canopy_bench::register_live_sleeping_1m();
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
