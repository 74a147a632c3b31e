#include "timer_heap.hpp"

#include <cassert>

namespace canopy::core {

void TimerHeap::push(Timer* timer) {
  heap_.push_back(timer);
  timer->heap_index = heap_.size() - 1;
  sift_up(heap_.size() - 1);
}

Timer* TimerHeap::pop() {
  assert(!heap_.empty() && "pop needs a pending timer");
  Timer* t = heap_.front();
  remove(t);
  return t;
}

void TimerHeap::remove(Timer* timer) {
  std::size_t i = timer->heap_index;
  assert(i < heap_.size() && heap_[i] == timer && "the timer must be in this heap");
  Timer* last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  place(i, last);
  sift_up(i);
  sift_down(last->heap_index);
}

void TimerHeap::sift_up(std::size_t i) {
  Timer* t = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!before(t, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void TimerHeap::sift_down(std::size_t i) {
  Timer* t = heap_[i];
  std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], t)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, t);
}

}  // namespace canopy::core
