// Pending deadlines, earliest first.
//
// A binary heap of pointers to timers that live inside the waiting
// coroutine's wait record, each remembering its heap position, so that a
// coroutine woken by something else removes its timer in O(log n) without
// searching. Ties on the deadline are broken by a key the policy supplies:
// arrival order for the real runtime, seeded keys under simulation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace canopy::core {

struct Coroutine;

/// The latest instant a timer can be set for: the clock counts nanoseconds
/// in an int64, so later milliseconds cannot be compared with it. A deadline
/// at or past this one never comes: it means "no deadline".
inline constexpr std::int64_t forever_ms = INT64_MAX / 1'000'000;

/// Left uninitialized on purpose: it lives in every Wait record, and only
/// block() arms it, setting every field before the heap sees it (the heap
/// sets heap_index). Waits without a deadline, most of them, never touch it.
struct Timer {
  std::int64_t fire_ms;      ///< when it fires (deadline plus any simulated lateness), <= forever_ms
  std::int64_t deadline_ms;  ///< the deadline the caller asked for
  std::uint64_t tiebreak;    ///< orders timers with equal fire_ms
  std::size_t heap_index;    ///< position in the heap, kept current by the heap
  Coroutine* waiter;         ///< whom it wakes
};

class TimerHeap {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  Timer* top() const { return heap_.front(); }
  void push(Timer* timer);
  void remove(Timer* timer);
  Timer* pop();

 private:
  static bool before(const Timer* a, const Timer* b) {
    if (a->fire_ms != b->fire_ms) return a->fire_ms < b->fire_ms;
    return a->tiebreak < b->tiebreak;
  }
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void place(std::size_t i, Timer* t) {
    heap_[i] = t;
    t->heap_index = i;
  }
  std::vector<Timer*> heap_;  ///< bounded by the number of blocked coroutines
};

}  // namespace canopy::core
