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

HandleTable::Slot* handle_chunk_slots(std::uint32_t chunk) {
  return chunks[chunk].load(std::memory_order_acquire)->slots;
}

HandleTable::~HandleTable() {
  std::lock_guard<std::mutex> lock(chunks_mutex);
  for (std::uint32_t number : chunks_) {
    Chunk* chunk = chunks[number].load(std::memory_order_relaxed);
    // With nothing open every slot is already free (object null); the free
    // links are rewritten by grow() when the chunk is taken again, so a
    // table that closed all its handles (a simulated run, a thread's
    // scheduler at exit) gives its chunks back without visiting 256 slots.
    if (open_count_ != 0) {
      for (Slot& s : chunk->slots) {
        if (s.object != nullptr) s.generation = (s.generation + 1) & generation_mask;
        s.object = nullptr;
      }
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
  // The chunk's slots join the back of the free FIFO in index order, each
  // linked to the next (links are index + 1, 0 ends the list). Written
  // straight into the chunk: this runs for every scheduler, and so for
  // every simulated run. Slot 0 of chunk 0 is never used so that handle 0
  // is never valid: a zero-initialised handle variable is caught as EBADF.
  Slot* slots = chunks[number].load(std::memory_order_relaxed)->slots;
  const std::uint32_t base = number * chunk_slots;
  const std::uint32_t first = number == 0 ? 1 : 0;
  for (std::uint32_t i = first; i + 1 < chunk_slots; ++i) slots[i].next_free = base + i + 2;
  slots[chunk_slots - 1].next_free = 0;
  if (free_tail_ == 0) {
    free_head_ = base + first + 1;
  } else {
    slot(free_tail_ - 1)->next_free = base + first + 1;
  }
  free_tail_ = base + chunk_slots;
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
