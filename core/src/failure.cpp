#include "failure.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "canopy/runtime/environment.hpp"
#include "scheduler.hpp"

namespace canopy::core {

namespace {
// Before the real runtime exits on its own: the trace says how it ended.
void tell_process_ending(const char* how, int status, const std::string& report) {
  if (runtime::linked_environment_hooks.process_ending != nullptr)
    runtime::linked_environment_hooks.process_ending(how, status, report.c_str());
}
}  // namespace

std::string describe_site(const runtime::SpawnSite& site) {
  if (site.file == nullptr || site.file[0] == '\0') return "(main)";
  std::string s = std::string(site.file) + ":" + std::to_string(site.line);
  if (site.function != nullptr && site.function[0] != '\0') s += " (" + std::string(site.function) + ")";
  return s;
}

std::string describe_coroutine(const Coroutine& c) {
  std::string s = c.is_main ? std::string("main") : "coroutine " + std::to_string(c.id);
  if (!c.is_main) s += " spawned at " + describe_site(c.site);
  if (c.cancelled) s += ", cancelled,";
  switch (c.state) {
    case CoroutineState::running: return s + " running";
    case CoroutineState::ready: return s + " ready";
    case CoroutineState::finished: return s + " finished";
    case CoroutineState::blocked: break;
  }
  s += std::string(" blocked in ") + runtime::to_string(c.wait->reason);
  switch (c.wait->reason) {
    case runtime::BlockReason::chsend:
    case runtime::BlockReason::chrecv:
    case runtime::BlockReason::choose:
      s += " on channel " + std::to_string(c.wait->object);
      break;
    case runtime::BlockReason::bundle_wait:
      s += " on bundle " + std::to_string(c.wait->object);
      break;
    case runtime::BlockReason::hclose:
      s += " waiting for " + std::to_string(c.wait->object) + " to exit";
      break;
    case runtime::BlockReason::fdin:
    case runtime::BlockReason::fdout:
      s += " on fd " + std::to_string(c.wait->fd);
      break;
    default:
      break;
  }
  if (c.wait->has_timer) s += " until " + std::to_string(c.wait->timer.deadline_ms) + " ms";
  return s;
}

std::string Scheduler::describe_blocked() {
  std::string report = "deadlock: every coroutine is blocked and nothing can wake one";
  for_each_coroutine([&](Coroutine& c) { report += "\n  " + describe_coroutine(c); });
  return report;
}

void Scheduler::deadlock() {
  std::string report = describe_blocked();
  if (platform_.failures != nullptr) platform_.failures->deadlock(report);
  tell_process_ending("deadlock", deadlock_exit_status, report);
  std::fprintf(stderr, "canopy: %s\n", report.c_str());
  std::fflush(nullptr);
  // exit() would run destructors of objects coroutines still use.
  _exit(deadlock_exit_status);
}

void report_structure_broken(Scheduler& s, const std::string& report) {
  if (s.platform().failures != nullptr) {
    s.platform().failures->structure_broken(report);
    return;
  }
  std::fprintf(stderr, "canopy: structure broken: %s\n", report.c_str());
}

void report_crash(Scheduler& s, const Coroutine& c, const std::string& what) {
  std::string report = describe_coroutine(c) + ": " + what;
  if (s.platform().failures != nullptr) s.platform().failures->crashed(report);
  tell_process_ending("crashed", crash_exit_status, report);
  std::fprintf(stderr, "canopy: %s\n", report.c_str());
  std::fflush(nullptr);
  _exit(crash_exit_status);
}

}  // namespace canopy::core
