// Running a scheduler of one's own on the calling thread: what the simulator
// (and a test's virtual clock) needs from core, and nothing else.
//
// An embedder builds a Platform (platform.hpp), creates an EmbeddedScheduler
// on it, and runs a body as that scheduler's main context. While the body
// runs, its failure sink and poller may ask about the scheduler through the
// free functions below, which always mean the scheduler installed on the
// calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "canopy/runtime/platform.hpp"

namespace canopy::core {
class Scheduler;
}

namespace canopy::runtime {

/// A scheduler on a platform of the caller's, installed on the calling
/// thread for the lifetime of this object (the previous one, if any, is
/// restored by the destructor). Stacks come from a pool kept per thread for
/// all embedded schedulers, so that many short runs map no memory. Coroutines
/// still alive at destruction are freed without being resumed: their frames'
/// destructors never run.
class EmbeddedScheduler {
 public:
  /// `platform` needs a clock and a poller; the objects it points to must
  /// outlive this scheduler.
  explicit EmbeddedScheduler(const Platform& platform);
  ~EmbeddedScheduler();
  EmbeddedScheduler(const EmbeddedScheduler&) = delete;
  EmbeddedScheduler& operator=(const EmbeddedScheduler&) = delete;

  /// Runs fn(arg) as the scheduler's main context. Returns true when fn
  /// returned, false when the run was abandoned (abandon_run). Call at most
  /// once.
  bool run_main(void (*fn)(void*), void* arg);

 private:
  core::Scheduler* scheduler_;  ///< owned; opaque to embedders
  core::Scheduler* previous_;   ///< the thread's scheduler before this one, restored at the end
};

/// What the scheduler installed on this thread has done so far.
struct SchedulerCounters {
  std::uint64_t switches = 0;          ///< context switches
  std::uint64_t spawned = 0;           ///< coroutines created
  std::uint64_t live_coroutines = 0;   ///< created and not finished (main excluded)
  std::uint32_t open_handles = 0;      ///< handles not yet closed
  std::size_t stacks_in_use = 0;       ///< pooled stacks held by coroutines (live, or finished and not closed)
};

/// Whether this thread has a scheduler (its default one or an embedded one).
bool has_scheduler();
/// The platform of this thread's scheduler, or null when it has none.
const Platform* current_platform();
/// The counters of this thread's scheduler; all zero when it has none.
SchedulerCounters current_counters();
/// The coroutine running now on this thread (main_coroutine when none).
CoroutineId running_coroutine();
/// The return address of the API call this thread's scheduler serves now
/// (what an Injector is told as `call_site`), or null.
const void* served_call_site();
/// The deadlock report: a headline, then one line per coroutine saying who
/// waits on what, with spawn sites. "" when the thread has no scheduler.
std::string describe_blocked();
/// One line per live coroutine except main, each starting "\n  ": what a
/// leak report lists. "" when there are none.
std::string describe_live_coroutines();
/// One line per open handle ("\n  channel 3"), in handle order.
std::string describe_open_handles();
/// From anywhere inside EmbeddedScheduler::run_main on this thread: stops
/// the run at once and makes run_main return false.
[[noreturn]] void abandon_run();

}  // namespace canopy::runtime
