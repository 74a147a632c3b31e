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

  /// A new handle naming `object`, or -ENOMEM (too many open).
  int open(Object* object);
  /// The object `handle` names in this table, or null (stale, closed,
  /// another thread's, or never issued).
  Object* find(int handle) const;
  /// Frees `handle`'s slot; the handle must be valid here.
  void close(int handle);
  /// Makes the valid `handle` name `object` instead, keeping its number.
  void replace(int handle, Object* object);
  /// Handles open now.
  std::uint32_t open_count() const { return open_count_; }
  /// Calls fn(handle, object) for every open handle, lowest slot first.
  template <class Fn>
  void for_each(Fn&& fn) const;

  struct Slot;

 private:
  Slot* slot(std::uint32_t index) const;
  bool grow();

  std::vector<std::uint32_t> chunks_;  ///< chunk numbers owned, in acquisition order
  std::uint32_t free_head_ = 0;        ///< oldest free slot index + 1 (0: none)
  std::uint32_t free_tail_ = 0;        ///< newest free slot index + 1 (0: none)
  std::uint32_t open_count_ = 0;
};

/// What every slot holds; exposed for for_each.
struct HandleTable::Slot {
  Object* object = nullptr;        ///< null while free
  std::uint32_t generation = 0;    ///< bumped at every close
  std::uint32_t next_free = 0;     ///< next slot index + 1 in the free FIFO
};

HandleTable::Slot* handle_slot_for_each(std::uint32_t chunk, std::uint32_t i);

template <class Fn>
void HandleTable::for_each(Fn&& fn) const {
  for (std::uint32_t chunk : chunks_) {
    for (std::uint32_t i = 0; i < chunk_slots; ++i) {
      Slot* s = handle_slot_for_each(chunk, i);
      if (s->object != nullptr) {
        std::uint32_t index = chunk * chunk_slots + i;
        fn(static_cast<int>((s->generation << index_bits) | index), s->object);
      }
    }
  }
}

}  // namespace canopy::core
