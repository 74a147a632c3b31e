// Helpers shared by the core benchmarks: batching, /proc readings.
#pragma once

#include <algorithm>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace canopy_bench {

/// Operations per call of a benchmark body: the Google Benchmark loop runs
/// once per batch, so its own cost vanishes from the time per operation.
/// Even, so that a ping-pong (two switches per round) fits exactly.
inline constexpr long batch = 128;

/// Runs `run(batch)` until Google Benchmark has enough; every operation
/// counts as one iteration, so "Time" is the time per operation.
template <class Run>
void batched(benchmark::State& state, Run&& run) {
  while (state.KeepRunningBatch(batch)) run(batch);
}

/// Coroutines in the "spawn sleeping" benchmarks.
inline constexpr long spawn_count = 100'000;
/// Coroutines alive at once in live_sleeping_1m: issue 11's scale point.
inline constexpr long live_count = 1'000'000;

/// Resident memory of this process, in bytes (VmRSS).
inline long rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  }
  return -1;
}

/// Memory maps of this process (lines of /proc/self/maps).
inline long map_count() {
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  if (f == nullptr) return -1;
  long lines = 0;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, f) != nullptr) {
    if (std::strchr(buf, '\n') != nullptr) ++lines;
  }
  std::fclose(f);
  return lines;
}

/// The kernel's limit on memory maps (vm.max_map_count).
inline long max_map_count() {
  std::ifstream in("/proc/sys/vm/max_map_count");
  long n = -1;
  in >> n;
  return n;
}

/// What the spawn benchmarks saw at peak (all coroutines alive).
struct SpawnPeak {
  double seconds = 0;        ///< spawn + close, summed over iterations
  long rss_delta_max = 0;    ///< largest RSS growth over an iteration
  long maps_max = 0;         ///< largest map count
  long maps_delta_max = 0;   ///< largest growth in maps
  long iterations = 0;

  /// Adds one iteration: its timed seconds, and the RSS and map counts
  /// before spawning (0) and with every coroutine alive (1).
  void add(double iteration_seconds, long rss0, long rss1, long maps0, long maps1) {
    seconds += iteration_seconds;
    ++iterations;
    rss_delta_max = std::max(rss_delta_max, rss1 - rss0);
    maps_max = std::max(maps_max, maps1);
    maps_delta_max = std::max(maps_delta_max, maps1 - maps0);
  }
};

/// Reports a spawn benchmark's counters: per-coroutine time and memory.
inline void report_spawn(benchmark::State& state, const SpawnPeak& p, long n) {
  using benchmark::Counter;
  state.counters["coroutines"] = Counter(static_cast<double>(n));
  state.counters["ns_per_coroutine"] =
      Counter(p.seconds * 1e9 / static_cast<double>(n * (p.iterations > 0 ? p.iterations : 1)));
  state.counters["rss_bytes_per_coroutine"] =
      Counter(static_cast<double>(p.rss_delta_max) / static_cast<double>(n));
  state.counters["maps"] = Counter(static_cast<double>(p.maps_max));
  state.counters["maps_delta"] = Counter(static_cast<double>(p.maps_delta_max));
  state.counters["max_map_count"] = Counter(static_cast<double>(max_map_count()));
  state.SetItemsProcessed(state.iterations() * n);
}

// Peers (core_peers.cpp).
void register_peer_switch();
void register_peer_go();
void register_peer_channel();
void register_peer_spawn();

}  // namespace canopy_bench
