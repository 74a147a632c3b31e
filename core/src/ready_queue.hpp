// Coroutines ready to run, oldest first.
//
// A ring buffer of pointers rather than an intrusive list because a
// simulation policy picks by position: random access must be O(1). The
// capacity doubles as needed and never shrinks; it is bounded by the number
// of coroutines, each of which is in the queue at most once.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "canopy/runtime/platform.hpp"

namespace canopy::core {

struct Coroutine;

/// The ring is the policy's runtime::ReadyView (its fields are the view's),
/// so that a pick is handed the queue with nothing built.
class ReadyQueue : public runtime::ReadyView {
 public:
  ReadyQueue() = default;
  ReadyQueue(const ReadyQueue&) = delete;
  ReadyQueue& operator=(const ReadyQueue&) = delete;
  ~ReadyQueue() { std::free(slots_); }

  /// Where in a record its id lies, for the policy's id(): set once.
  void set_id_offset(std::size_t id_offset) { id_offset_ = id_offset; }
  bool empty() const { return size_ == 0; }
  Coroutine* at(std::size_t i) const { return slot(i); }

  void push(Coroutine* c) {
    if (__builtin_expect(!has_room(), 0)) grow();
    push_into_room(c);
  }
  /// push() needs no growth.
  bool has_room() const { return size_ != capacity_; }
  /// push() when has_room(): no call.
  void push_into_room(Coroutine* c) {
    assert(has_room() && "a push without growth needs room");
    slots_[(head_ + size_) & mask_] = c;
    ++size_;
  }
  Coroutine* pop() {
    assert(size_ > 0 && "pop needs a ready coroutine");
    Coroutine* c = static_cast<Coroutine*>(slots_[head_]);
    head_ = (head_ + 1) & mask_;
    --size_;
    return c;
  }
  /// push(c) then pop() in one step, for a yield: the size does not
  /// change, so no room is needed. Reading the head before writing the
  /// tail makes a full ring (where the two are one slot) work too.
  Coroutine* rotate(Coroutine* c) {
    if (size_ == 0) return c;
    Coroutine* next = static_cast<Coroutine*>(slots_[head_]);
    slots_[(head_ + size_) & mask_] = c;
    head_ = (head_ + 1) & mask_;
    return next;
  }
  /// Removes position `i` in O(1): the oldest takes its place. Policies
  /// that pick by position (simulation) do not depend on the order of the
  /// rest beyond it being reproducible.
  Coroutine* take(std::size_t i) {
    assert(i < size_ && "take needs a position inside the queue");
    // The oldest (fifo's every pick) is a pop: the step below would move it
    // onto itself.
    if (i == 0) return pop();
    Coroutine* c = slot(i);
    slots_[(head_ + i) & mask_] = slots_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return c;
  }

 private:
  Coroutine* slot(std::size_t i) const { return static_cast<Coroutine*>(slots_[(head_ + i) & mask_]); }
  [[gnu::noinline]] void grow() {
    std::size_t cap = capacity_ == 0 ? 64 : capacity_ * 2;
    auto** ring = static_cast<void**>(std::malloc(cap * sizeof(void*)));
    if (ring == nullptr) std::abort();  // cannot lose a ready coroutine
    for (std::size_t i = 0; i < size_; ++i) ring[i] = slot(i);
    std::free(slots_);
    slots_ = ring;
    head_ = 0;
    mask_ = cap - 1;
    capacity_ = cap;
  }

  // The ring itself is the view's slots_ (capacity a power of two), mask_
  // (capacity - 1), head_ (position of the oldest) and size_.
  std::size_t capacity_ = 0;    ///< mask_ + 1 once allocated, 0 before
};

}  // namespace canopy::core
