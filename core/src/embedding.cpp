// The embedding seam (canopy/runtime/embedding.hpp) over the scheduler.
#include "canopy/runtime/embedding.hpp"

#include <cassert>
#include <cstdlib>

#include "failure.hpp"
#include "scheduler.hpp"

namespace canopy::runtime {

namespace {

/// One pool for every embedded scheduler on this thread: a simulator runs
/// thousands of short runs, and without it each would map a fresh slab of
/// stacks and unmap it again, which is most of a short run's cost. Each
/// scheduler gives its abandoned coroutines' stacks back to it.
core::StackPool& embedded_stacks() {
  thread_local core::StackPool stacks;
  return stacks;
}

}  // namespace

EmbeddedScheduler::EmbeddedScheduler(const Platform& platform)
    : scheduler_(new core::Scheduler(platform, &embedded_stacks())),
      previous_(core::Scheduler::install(scheduler_)) {}

EmbeddedScheduler::~EmbeddedScheduler() {
  core::Scheduler::install(previous_);
  delete scheduler_;
}

bool EmbeddedScheduler::run_main(void (*fn)(void*), void* arg) {
  return scheduler_->run_main(fn, arg);
}

bool has_scheduler() { return core::Scheduler::current_if_any() != nullptr; }

const Platform* current_platform() {
  core::Scheduler* s = core::Scheduler::current_if_any();
  return s != nullptr ? &s->platform() : nullptr;
}

SchedulerCounters current_counters() {
  SchedulerCounters counters;
  core::Scheduler* s = core::Scheduler::current_if_any();
  if (s == nullptr) return counters;
  counters.switches = s->stats().switches;
  counters.spawned = s->stats().spawned;
  counters.live_coroutines = s->stats().live;
  counters.open_handles = s->handles().open_count();
  counters.stacks_in_use = s->stacks_held();
  return counters;
}

CoroutineId running_coroutine() {
  core::Scheduler* s = core::Scheduler::current_if_any();
  if (s == nullptr || s->running_or_null() == nullptr) return main_coroutine;
  return s->running_or_null()->id;
}

const void* served_call_site() {
  core::Scheduler* s = core::Scheduler::current_if_any();
  return s != nullptr ? s->call_site() : nullptr;
}

std::string describe_blocked() {
  core::Scheduler* s = core::Scheduler::current_if_any();
  return s != nullptr ? s->describe_blocked() : std::string();
}

std::string describe_live_coroutines() {
  std::string report;
  core::Scheduler* s = core::Scheduler::current_if_any();
  if (s == nullptr) return report;
  s->for_each_coroutine([&](core::Coroutine& c) {
    if (!c.is_main) report += "\n  " + core::describe_coroutine(c);
  });
  return report;
}

std::string describe_open_handles() {
  std::string report;
  core::Scheduler* s = core::Scheduler::current_if_any();
  if (s == nullptr) return report;
  s->handles().for_each([&](int, core::Object* o) {
    report += std::string("\n  ") + to_string(o->kind) + " " + std::to_string(o->id);
  });
  return report;
}

void abandon_run() {
  core::Scheduler* s = core::Scheduler::current_if_any();
  assert(s != nullptr && "abandon_run needs a scheduler on this thread");
  if (s == nullptr) std::abort();
  s->abandon_to_main();
}

}  // namespace canopy::runtime
