// Coroutine stacks: mapped in slabs, each stack with a guard region below it,
// reused through a per-scheduler pool.
//
// Why slabs and MADV_GUARD_INSTALL: a guard page made with mprotect splits the
// mapping, so every stack costs two memory maps, and the kernel's default
// limit of 65,530 maps caps a process near 32,000 live coroutines (libdill's
// ceiling). Guard regions installed with madvise (Linux 6.13+) fault like
// PROT_NONE pages without splitting anything: one slab of 64 stacks is one
// map. On older kernels the pool falls back to mprotect and says so once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace canopy::core {

struct Slab;

/// One coroutine stack. `limit` is the lowest usable byte, `top` one past
/// the highest; the guard region lies just below `limit`.
struct Stack {
  std::byte* limit = nullptr;   ///< lowest usable address (stack grows down to it)
  std::byte* top = nullptr;     ///< highest address + 1; the stack starts here
  std::byte* guard = nullptr;   ///< start of the guard region (null: none, user memory)
  std::size_t guard_bytes = 0;  ///< size of the guard region
  Slab* slab = nullptr;         ///< owning slab; null for user-supplied memory
  std::uint32_t index = 0;      ///< position inside the slab

  std::size_t usable_bytes() const { return static_cast<std::size_t>(top - limit); }
  bool contains_guard(const void* address) const;
};

/// A bounded cache of stacks of one scheduler. Not thread-safe: one per thread.
class StackPool {
 public:
  StackPool() = default;
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  ~StackPool();

  /// Hands out a stack of at least `usable_bytes` into `out`: 0, or
  /// -ENOMEM when the kernel refuses memory, -EINVAL when too many distinct
  /// sizes are pooled already.
  int acquire(std::size_t usable_bytes, Stack& out) {
    // Inline: the size asked for last, with a recently released stack of
    // it at hand, is nearly every request (go() in a loop).
    if (__builtin_expect(usable_bytes == last_usable_bytes_ && recent_count_ != 0 &&
                             recent_stack_bytes_ == last_stack_bytes_, 1)) {
#if !defined(__SANITIZE_ADDRESS__)
      out = recent_[--recent_count_];
      ++in_use_;
      return 0;
#endif
    }
    return acquire_slow(usable_bytes, out);
  }
  /// Takes a stack back. Its memory stays mapped while its slab has other
  /// stacks in use, is the one spare slab kept per size, or is kept idle
  /// (pages given back lazily). A coroutine may give back the stack it
  /// still runs on, right before it switches away for good: an emptied slab
  /// is made idle or unmapped only at the next release, by which time that
  /// coroutine has certainly left it.
  void release(const Stack& stack) {
    // Inline: back into the recent stacks when there is room and it has
    // their size (always, for a program using one stack size).
    auto stack_bytes = static_cast<std::size_t>(stack.top - stack.guard);  // a pooled stack's guard is its base
    if (__builtin_expect(recent_count_ < recent_capacity &&
                             (recent_count_ == 0 || recent_stack_bytes_ == stack_bytes), 1)) {
      recent_stack_bytes_ = stack_bytes;
      --in_use_;
      recent_[recent_count_++] = stack;
      return;
    }
    release_slow(stack);
  }

  /// Whether `stack`, handed out before, is what acquire(`usable_bytes`)
  /// would hand out now (when it asks for the size asked for last: nearly
  /// always). A record that kept its stack then keeps it.
  bool suits(const Stack& stack, std::size_t usable_bytes) const {
    return usable_bytes == last_usable_bytes_ &&
           static_cast<std::size_t>(stack.top - stack.guard) == last_stack_bytes_;
  }
  /// `stack`, never given back, serves a new coroutine: its previous
  /// frames' poisoned redzones are cleared (under AddressSanitizer).
  void reissue(const Stack& stack);

  /// Stacks currently handed out (for leak checks).
  std::size_t in_use() const { return in_use_; }

  /// Bytes of the guard region below every pooled stack.
  static constexpr std::size_t guard_bytes = 16 * 1024;
  /// At most this many distinct stack sizes are pooled at once.
  static constexpr std::size_t max_size_classes = 16;
  /// Stacks given back most recently, kept out of their slabs and handed
  /// out again first (still warm in the caches, and no slab bookkeeping).
  static constexpr std::size_t recent_capacity = 16;
  /// Idle slabs kept per size beyond the spare (64 stacks each): enough
  /// for bursts of 65,536 coroutines; address space, not memory, once the
  /// kernel has taken the freed pages.
  static constexpr std::size_t max_idle_slabs = 1024;

 private:
  struct SizeClass {
    std::size_t stack_bytes = 0;        ///< usable + guard, page aligned
    std::vector<Slab*> with_free;       ///< slabs that can hand out a stack
    Slab* spare = nullptr;              ///< one entirely free slab kept mapped
    /// More entirely free slabs, kept mapped with their pages given back
    /// lazily (MADV_FREE): the next burst of spawns reuses them without
    /// mapping, guard regions or, unless the kernel took the pages back
    /// meanwhile, page faults.
    std::vector<Slab*> idle;
  };
  SizeClass* size_class(std::size_t stack_bytes);
#if defined(__SANITIZE_ADDRESS__)
  static void unpoison(const Stack& stack);
#endif
  int acquire_slow(std::size_t usable_bytes, Stack& out);
  void release_slow(const Stack& stack);
  /// Puts a stack back into its slab (the slow half of release).
  void release_to_slab(const Stack& stack);
  Slab* map_slab(std::size_t stack_bytes);
  void unmap_slab(Slab* slab);
  /// An emptied slab nobody stands on any more: kept idle, or unmapped.
  void retire(Slab* slab);

  std::vector<SizeClass> classes_;  ///< bounded by max_size_classes; never shrinks (indexes stay valid)
  Slab* retiring_ = nullptr;        ///< emptied slab to unmap at the next release
  std::size_t last_usable_bytes_ = SIZE_MAX;  ///< the size asked for last (none yet), and its class:
  std::size_t last_class_ = 0;         ///< nearly every request repeats it
  std::size_t last_stack_bytes_ = 0;   ///< that class's stack_bytes
  std::size_t in_use_ = 0;
  Stack recent_[recent_capacity];   ///< recently released stacks, newest last
  std::size_t recent_count_ = 0;
  std::size_t recent_stack_bytes_ = 0;  ///< the one size (usable + guard) of the stacks in recent_
};

inline void StackPool::reissue(const Stack& stack) {
#if defined(__SANITIZE_ADDRESS__)
  unpoison(stack);
#else
  (void)stack;
#endif
}

/// The system page size, read once.
std::size_t page_bytes();

}  // namespace canopy::core
