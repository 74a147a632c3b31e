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

class ReadyQueue {
 public:
  ReadyQueue() = default;
  ReadyQueue(const ReadyQueue&) = delete;
  ReadyQueue& operator=(const ReadyQueue&) = delete;
  ~ReadyQueue() { std::free(ring_); }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  Coroutine* at(std::size_t i) const { return ring_[(head_ + i) & mask_]; }
  /// The queue as a policy reads it: the ring in place, each record's id
  /// `id_offset` bytes into it.
  runtime::ReadyView view(std::size_t id_offset) const {
    return runtime::ReadyView(reinterpret_cast<const void* const*>(ring_), mask_, head_, size_, id_offset);
  }

  void push(Coroutine* c) {
    if (__builtin_expect(!has_room(), 0)) grow();
    push_into_room(c);
  }
  /// push() needs no growth.
  bool has_room() const { return size_ != capacity_; }
  /// push() when has_room(): no call.
  void push_into_room(Coroutine* c) {
    assert(has_room() && "a push without growth needs room");
    ring_[(head_ + size_) & mask_] = c;
    ++size_;
  }
  Coroutine* pop() {
    assert(size_ > 0 && "pop needs a ready coroutine");
    Coroutine* c = ring_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return c;
  }
  /// push(c) then pop() in one step, for a yield: the size does not
  /// change, so no room is needed. Reading the head before writing the
  /// tail makes a full ring (where the two are one slot) work too.
  Coroutine* rotate(Coroutine* c) {
    if (size_ == 0) return c;
    Coroutine* next = ring_[head_];
    ring_[(head_ + size_) & mask_] = c;
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
    Coroutine* c = at(i);
    ring_[(head_ + i) & mask_] = ring_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return c;
  }

 private:
  [[gnu::noinline]] void grow() {
    std::size_t cap = capacity_ == 0 ? 64 : capacity_ * 2;
    auto** ring = static_cast<Coroutine**>(std::malloc(cap * sizeof(Coroutine*)));
    if (ring == nullptr) std::abort();  // cannot lose a ready coroutine
    for (std::size_t i = 0; i < size_; ++i) ring[i] = at(i);
    std::free(ring_);
    ring_ = ring;
    head_ = 0;
    mask_ = cap - 1;
    capacity_ = cap;
  }

  Coroutine** ring_ = nullptr;  ///< capacity is a power of two
  std::size_t mask_ = 0;        ///< capacity - 1
  std::size_t head_ = 0;        ///< position of the oldest
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;    ///< mask_ + 1 once allocated, 0 before
};

}  // namespace canopy::core
