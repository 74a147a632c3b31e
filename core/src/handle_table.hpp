// Handles: the small non-negative integers the C API hands out.
//
// A handle packs a slot index (low 20 bits) and the slot's generation (next
// 11 bits). Closing a handle bumps its slot's generation, so a stale copy of
// the handle no longer matches and gets EBADF instead of reaching whatever
// object reuses the slot. Freed slots are reused oldest first, which makes a
// generation wrap (2,048 reuses of one slot) as late as possible.
//
// Slots come in chunks of 256, and every chunk belongs to one scheduler (one
// thread) at a time. A handle used on another thread finds a chunk owned by
// someone else and gets EBADF: threads never reach each other's objects.
// Chunks outlive schedulers so that generations keep counting.
#pragma once

#include <cassert>
#include <cerrno>
#include <cstdint>
#include <vector>

namespace canopy::core {

struct Object;

class HandleTable {
 public:
  static constexpr int index_bits = 20;
  static constexpr int generation_bits = 11;
  static constexpr std::uint32_t chunk_slots = 256;
  /// The most handles open at once in a process.
  static constexpr std::uint32_t max_handles = 1u << index_bits;

  HandleTable() = default;
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;
  /// Gives the chunks back; every handle still open becomes stale.
  ~HandleTable();

  /// A new handle naming `object`, or -ENOMEM (too many open). Inline, as
  /// is close(): both are on every go() and hclose.
  int open(Object* object) {
    assert(object != nullptr && "a handle must name an object");
    if (__builtin_expect(free_head_ == 0, 0) && !grow_for_open()) return -ENOMEM;
    return fill(own_slot(free_head_ - 1), object);
  }
  /// open() needs neither growth nor a slot outside the first chunk.
  bool opens_in_first_chunk() const { return free_head_ != 0 && (free_head_ - 1) / chunk_slots == first_chunk_; }
  /// open() when opens_in_first_chunk(): no call.
  int open_in_first_chunk(Object* object) {
    assert(object != nullptr && opens_in_first_chunk() && "a first-chunk open has a free first-chunk slot");
    return fill(&first_slots_[(free_head_ - 1) % chunk_slots], object);
  }
  /// The object `handle` names in this table, or null (stale, closed,
  /// another thread's, or never issued). Inline for the table's first chunk,
  /// where nearly every program's handles live.
  Object* find(int handle) const {
    auto value = static_cast<std::uint32_t>(handle);
    std::uint32_t index = value & ((1u << index_bits) - 1);
    if (__builtin_expect(index / chunk_slots != first_chunk_, 0)) return find_elsewhere(handle);
    return find_in_first_chunk(handle);
  }
  /// find() for a handle of the first chunk; null for any other (which
  /// find() may still know), so that a caller makes no call.
  Object* find_in_first_chunk(int handle) const {
    auto value = static_cast<std::uint32_t>(handle);
    std::uint32_t index = value & ((1u << index_bits) - 1);
    if (__builtin_expect(index / chunk_slots != first_chunk_, 0)) return nullptr;
    const Slot& s = first_slots_[index % chunk_slots];
    // A negative handle has bits above the generation's and never matches;
    // a free slot's object is null, which is the answer for it as well.
    return s.generation == (value >> index_bits) ? s.object : nullptr;
  }
  /// Frees `handle`'s slot; the handle must be valid here.
  void close(int handle) {
    auto value = static_cast<std::uint32_t>(handle);
    std::uint32_t index = value & ((1u << index_bits) - 1);
    Slot* s = own_slot(index);
    assert(s != nullptr && s->object != nullptr && "only an open handle can be closed");
    free_slot(s, index, free_tail_ == 0 ? free_head_ : own_slot(free_tail_ - 1)->next_free);
  }
  /// close() of a valid `handle` of the first chunk, done only when the
  /// free list's newest slot is in the first chunk too, so that no slot
  /// elsewhere is looked up (a call): true when closed, false (nothing
  /// done) otherwise.
  bool close_in_first_chunk(int handle) {
    auto value = static_cast<std::uint32_t>(handle);
    std::uint32_t index = value & ((1u << index_bits) - 1);
    assert(index / chunk_slots == first_chunk_ && "the handle is one of the first chunk's");
    if (free_tail_ != 0 && (free_tail_ - 1) / chunk_slots != first_chunk_) return false;
    Slot* s = &first_slots_[index % chunk_slots];
    assert(s->object != nullptr && "only an open handle can be closed");
    free_slot(s, index, free_tail_ == 0 ? free_head_ : first_slots_[(free_tail_ - 1) % chunk_slots].next_free);
    return true;
  }
  /// Makes the valid `handle` name `object` instead, keeping its number.
  void replace(int handle, Object* object);
  /// Handles open now.
  std::uint32_t open_count() const { return open_count_; }
  /// Calls fn(handle, object) for every open handle, lowest slot first.
  template <class Fn>
  void for_each(Fn&& fn) const;

  /// What every slot holds; exposed for for_each.
  struct Slot {
    Object* object = nullptr;        ///< null while free
    std::uint32_t generation = 0;    ///< bumped at every close
    std::uint32_t next_free = 0;     ///< next slot index + 1 in the free FIFO
  };

 private:
  /// Hands out free slot `s`, the free list's oldest, for `object`.
  int fill(Slot* s, Object* object) {
    std::uint32_t index = free_head_ - 1;
    free_head_ = s->next_free;
    if (free_head_ == 0) free_tail_ = 0;
    s->next_free = 0;
    s->object = object;
    ++open_count_;
    return static_cast<int>((s->generation << index_bits) | index);
  }
  /// Frees slot `s` (index `index`): its handle goes stale, and it joins the
  /// free list at its newest end, `link` (free_head_ when the list is empty,
  /// else the newest free slot's next_free).
  void free_slot(Slot* s, std::uint32_t index, std::uint32_t& link) {
    s->object = nullptr;
    s->generation = (s->generation + 1) & ((1u << generation_bits) - 1);
    // Freed slots are reused oldest first (the top of this file says why).
    link = index + 1;
    free_tail_ = index + 1;
    --open_count_;
  }
  /// The slot of a valid slot index of this table.
  Slot* own_slot(std::uint32_t index) const {
    if (__builtin_expect(index / chunk_slots == first_chunk_, 1)) return &first_slots_[index % chunk_slots];
    return slot(index);
  }
  Slot* slot(std::uint32_t index) const;
  Object* find_elsewhere(int handle) const;
  bool grow();
  [[gnu::noinline]] bool grow_for_open();

  /// The first chunk this table acquired, and its slots: find()'s fast
  /// path. Owned by this table for as long as it lives, so no owner check
  /// is needed there (UINT32_MAX: no chunk yet).
  std::uint32_t first_chunk_ = UINT32_MAX;
  Slot* first_slots_ = nullptr;

  std::vector<std::uint32_t> chunks_;  ///< chunk numbers owned, in acquisition order
  std::uint32_t free_head_ = 0;        ///< oldest free slot index + 1 (0: none)
  std::uint32_t free_tail_ = 0;        ///< newest free slot index + 1 (0: none)
  std::uint32_t open_count_ = 0;
};

/// The slots of chunk number `chunk` (which exists), for for_each.
HandleTable::Slot* handle_chunk_slots(std::uint32_t chunk);

template <class Fn>
void HandleTable::for_each(Fn&& fn) const {
  // Nothing open (every scheduler at the end of a clean run): no slot to visit.
  if (open_count_ == 0) return;
  for (std::uint32_t chunk : chunks_) {
    Slot* slots = handle_chunk_slots(chunk);
    for (std::uint32_t i = 0; i < chunk_slots; ++i) {
      Slot* s = &slots[i];
      if (s->object != nullptr) {
        std::uint32_t index = chunk * chunk_slots + i;
        fn(static_cast<int>((s->generation << index_bits) | index), s->object);
      }
    }
  }
}

}  // namespace canopy::core
