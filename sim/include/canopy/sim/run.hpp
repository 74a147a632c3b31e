// Running code under the simulator, from a test or a tool.
//
//   canopy::sim::options o;
//   o.seed = 7;
//   o.strategy = canopy::sim::strategy::pct;
//   auto result = canopy::sim::run(o, [] { ...uses canopy or libdill... });
//   if (!result) std::puts(result.describe().c_str());
//
// The body runs on the calling thread as the simulated scheduler's main
// coroutine (id 0); coroutines it starts run on simulated time with the
// chosen strategy. The thread's own scheduler is put back afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "canopy/sim/options.hpp"
#include "canopy/sim/outcome.hpp"

namespace canopy::sim {

namespace detail {
/// A callable seen through a type-erased pointer; works for lambdas and
/// plain functions alike (a function pointer is not a void*).
template <class F>
struct body_ref {
  F& f;
  static void call(void* self) { static_cast<body_ref*>(self)->f(); }
};
}  // namespace detail

/// Runs `body(context)` once under the simulator with options `o`.
/// Failures inside the run end it at once and are returned, never thrown.
outcome run_erased(const options& o, void (*body)(void*), void* context);

/// Runs `body()` once under the simulator with options `o`.
template <class F>
outcome run(const options& o, F&& body) {
  detail::body_ref<std::remove_reference_t<F>> r{body};
  return run_erased(o, r.call, &r);
}

/// Inside a run: ends it now as failed with `what` (kind body_failed). A
/// body's assertion helper. Outside a run: prints `what` and aborts.
[[noreturn]] void fail(const std::string& what);

/// Inside a run: the running coroutine's id (0: the body), for notes.
std::uint64_t current_coroutine();
/// Inside a run: virtual ms since the run started.
std::int64_t elapsed_ms();
/// True on a thread that is inside a simulated run (or a whole program
/// running under CANOPY_SEED).
bool active();

/// What an exhaustive exploration found.
struct exploration {
  std::uint64_t schedules = 0;   ///< runs made
  bool complete = false;         ///< every schedule within the bound was run
  std::optional<outcome> failure;  ///< the first failing run, if any
};

/// dfs: runs `body` under every schedule with at most
/// o.dfs_preemption_bound preemptions (a preemption is any pick other than
/// fifo's), stopping at the first failure or after o.dfs_max_schedules.
exploration explore_erased(const options& o, void (*body)(void*), void* context);
template <class F>
exploration explore(const options& o, F&& body) {
  detail::body_ref<std::remove_reference_t<F>> r{body};
  return explore_erased(o, r.call, &r);
}

/// Shrinks the failing run `failed` (made with options `o`) to a smaller
/// replay that fails the same way: fewer injected failures, fewer slow
/// steps, fewer and smaller non-fifo decisions, shorter slow steps. Returns the smallest failing outcome found
/// (strategy replay), at most `max_runs` replays later.
outcome shrink_erased(const options& o, const outcome& failed, void (*body)(void*), void* context,
                      std::uint64_t max_runs = 2000);
template <class F>
outcome shrink(const options& o, const outcome& failed, F&& body, std::uint64_t max_runs = 2000) {
  detail::body_ref<std::remove_reference_t<F>> r{body};
  return shrink_erased(o, failed, r.call, &r, max_runs);
}

/// Runs `body` twice with options `o`, recording every event, and names the
/// first event where the runs differ; nothing when they are identical.
std::optional<std::string> check_determinism_erased(const options& o, void (*body)(void*),
                                                    void* context);
template <class F>
std::optional<std::string> check_determinism(const options& o, F&& body) {
  detail::body_ref<std::remove_reference_t<F>> r{body};
  return check_determinism_erased(o, r.call, &r);
}

/// Runs `body` with seeds first_seed, first_seed+1, ... (count of them) and
/// options `o` otherwise; returns the first real failing outcome, shrunk
/// when `shrink_failure`, or a passing outcome of the last run. Runs that
/// failed after a what-if injection are counted in `whatif_failures`; the
/// first of them is returned (labelled, outcome::whatif) only when no real
/// failure turned up.
outcome sweep_erased(const options& o, std::uint64_t first_seed, std::uint64_t count,
                     bool shrink_failure, void (*body)(void*), void* context);
template <class F>
outcome sweep(const options& o, std::uint64_t first_seed, std::uint64_t count, F&& body,
              bool shrink_failure = true) {
  detail::body_ref<std::remove_reference_t<F>> r{body};
  return sweep_erased(o, first_seed, count, shrink_failure,
                      r.call, &r);
}

}  // namespace canopy::sim
