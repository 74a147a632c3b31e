#include "handle_table.hpp"

#include <atomic>
#include <cassert>
#include <cerrno>
#include <mutex>

namespace canopy::core {

namespace {

constexpr std::uint32_t chunk_count = HandleTable::max_handles / HandleTable::chunk_slots;
constexpr std::uint32_t generation_mask = (1u << HandleTable::generation_bits) - 1;
constexpr std::uint32_t index_mask = (1u << HandleTable::index_bits) - 1;

struct Chunk {
  std::atomic<const HandleTable*> owner{nullptr};  ///< the table allowed to use it
  HandleTable::Slot slots[HandleTable::chunk_slots];
};

// Chunks are created once and never freed, so a lookup needs no lock: it
// reads the chunk pointer and its owner atomically and compares.
std::atomic<Chunk*> chunks[chunk_count];
std::mutex chunks_mutex;                 // guards the two below
std::uint32_t chunks_created = 0;        // chunk numbers [0, created) exist
// Existing chunks no table owns. Never destroyed: the runtime stays usable
// from atexit handlers, which may run after static destructors.
std::vector<std::uint32_t>& chunks_free = *new std::vector<std::uint32_t>;

}  // namespace

HandleTable::Slot* handle_slot_for_each(std::uint32_t chunk, std::uint32_t i) {
  return &chunks[chunk].load(std::memory_order_acquire)->slots[i];
}

HandleTable::~HandleTable() {
  std::lock_guard<std::mutex> lock(chunks_mutex);
  for (std::uint32_t number : chunks_) {
    Chunk* chunk = chunks[number].load(std::memory_order_relaxed);
    for (Slot& s : chunk->slots) {
      if (s.object != nullptr) s.generation = (s.generation + 1) & generation_mask;
      s.object = nullptr;
      s.next_free = 0;
    }
    chunk->owner.store(nullptr, std::memory_order_release);
    chunks_free.push_back(number);
  }
}

HandleTable::Slot* HandleTable::slot(std::uint32_t index) const {
  Chunk* chunk = chunks[index / chunk_slots].load(std::memory_order_acquire);
  if (chunk == nullptr || chunk->owner.load(std::memory_order_relaxed) != this) return nullptr;
  return &chunk->slots[index % chunk_slots];
}

bool HandleTable::grow() {
  std::uint32_t number;
  {
    std::lock_guard<std::mutex> lock(chunks_mutex);
    if (!chunks_free.empty()) {
      // Oldest released first: its generations have had the longest to move on.
      number = chunks_free.front();
      chunks_free.erase(chunks_free.begin());
    } else if (chunks_created < chunk_count) {
      number = chunks_created++;
      chunks[number].store(new Chunk, std::memory_order_release);
    } else {
      return false;
    }
    chunks[number].load(std::memory_order_relaxed)->owner.store(this, std::memory_order_release);
  }
  chunks_.push_back(number);
  if (first_chunk_ == UINT32_MAX) {
    first_chunk_ = number;
    first_slots_ = chunks[number].load(std::memory_order_relaxed)->slots;
  }
  // Slot 0 of chunk 0 is never used so that handle 0 is never valid: a
  // zero-initialised handle variable is caught as EBADF.
  for (std::uint32_t i = (number == 0 ? 1 : 0); i < chunk_slots; ++i) {
    std::uint32_t index = number * chunk_slots + i;
    slot(index)->next_free = 0;
    if (free_tail_ == 0) {
      free_head_ = index + 1;
    } else {
      slot(free_tail_ - 1)->next_free = index + 1;
    }
    free_tail_ = index + 1;
  }
  return true;
}

bool HandleTable::grow_for_open() { return grow(); }


Object* HandleTable::find_elsewhere(int handle) const {
  if (handle < 0) return nullptr;
  auto value = static_cast<std::uint32_t>(handle);
  Slot* s = slot(value & index_mask);
  if (s == nullptr || s->object == nullptr) return nullptr;
  if (s->generation != (value >> index_bits)) return nullptr;
  return s->object;
}

void HandleTable::replace(int handle, Object* object) {
  assert(find(handle) != nullptr && object != nullptr && "only an open handle is re-pointed");
  slot(static_cast<std::uint32_t>(handle) & index_mask)->object = object;
}


}  // namespace canopy::core
