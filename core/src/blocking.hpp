// Blocking the running coroutine, inline: picking the next coroutine,
// switching to it, and block()'s body. scheduler.cpp (block, yield, the
// end of a coroutine) and the channel entry points (choose_one.hpp), whose
// blocking half then makes no call of its own, include this.
#pragma once

#include <cassert>
#include <cstdint>

#include "scheduler.hpp"

namespace canopy::core {

// The policy reads the ready ring in place (runtime::ReadyView): no copy of
// the ids, no call per position. The ring is not written while it reads.
[[gnu::always_inline]] inline Coroutine* Scheduler::pick_by_policy() {
  std::size_t index = platform_.policy->pick(ready_);
  assert(index < ready_.size() && "the policy must pick inside the ready queue");
  return ready_.take(index);
}

[[gnu::always_inline]] inline Coroutine* Scheduler::pick_next() {
  if (__builtin_expect(platform_.policy == nullptr, 1)) return ready_.pop();
  return pick_by_policy();
}

[[gnu::always_inline]] inline void Scheduler::poll_when_due() {
  if (--switches_until_poll_ == 0) {
    switches_until_poll_ = switches_per_poll;
    poll(false);
  }
}

[[gnu::always_inline]] inline void Scheduler::switch_to_next() {
  Coroutine& self = *current_;
  for (;;) {
    if (!ready_.empty()) {
      poll_when_due();
      Coroutine* next = pick_next();
      if (next == &self) {
        self.state = CoroutineState::running;
        return;
      }
      switch_into(self, *next);
      return;
    }
    poll(true);
  }
}

[[gnu::always_inline]] inline void Scheduler::enter_untimed_wait(Wait& wait) {
  Coroutine& self = *current_;
  wait.waiter = &self;
  self.wait = &wait;
  self.state = CoroutineState::blocked;
  self.wake_err = 0;
  self.wake_index = -1;
}

[[gnu::always_inline]] inline void Scheduler::enter_wait(Wait& wait, std::int64_t deadline_ms) {
  Coroutine& self = *current_;
  if (deadline_ms >= 0) {
    std::int64_t lateness_ms =
        platform_.policy != nullptr ? platform_.policy->timer_lateness_ms(deadline_ms) : 0;
    assert(lateness_ms >= 0 && "a timer never fires early");
    wait.timer.deadline_ms = deadline_ms;
    // Saturating: a deadline near INT64_MAX must not wrap into the past.
    wait.timer.fire_ms = deadline_ms >= forever_ms - lateness_ms ? forever_ms
                                                                 : deadline_ms + lateness_ms;
    std::uint64_t arrival = ++timer_arrivals_;
    wait.timer.tiebreak =
        platform_.policy != nullptr ? platform_.policy->timer_tiebreak(arrival) : arrival;
    wait.timer.waiter = &self;
    wait.has_timer = true;
    timers_.push(&wait.timer);
  }
  enter_untimed_wait(wait);
  CANOPY_EMIT({.kind = runtime::EventKind::block, .coroutine = self.id,
        .object = wait.object, .reason = wait.reason, .deadline_ms = deadline_ms});
}

[[gnu::always_inline]] inline int Scheduler::block_inline(Wait& wait, std::int64_t deadline_ms) {
  enter_wait(wait, deadline_ms);
  switch_to_next();
  return -current_->wake_err;
}

}  // namespace canopy::core
