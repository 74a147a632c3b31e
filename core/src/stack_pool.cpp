#include "stack_pool.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstdio>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
// The calling process, for process_madvise (Linux 6.14+): unlike a pidfd
// opened once, it still means the calling process after a fork().
#ifndef PIDFD_SELF_PROCESS
#define PIDFD_SELF_PROCESS (-10001)
#endif

namespace canopy::core {

/// A run of stacks mapped at once.
struct Slab {
  std::byte* base = nullptr;          ///< start of the mapping
  std::size_t stack_bytes = 0;        ///< per stack, guard included
  std::uint32_t stack_count = 0;      ///< stacks in this slab
  std::vector<std::uint32_t> free;    ///< indexes not handed out, LIFO so hot stacks are reused
};

namespace {

constexpr std::size_t slab_target_bytes = 16 * 1024 * 1024;
constexpr std::uint32_t max_stacks_per_slab = 64;

// Whether madvise guard regions work here; learned on the first slab. Every
// thread's pool maps slabs, so threads may learn it at the same time: atomic,
// and relaxed is enough (each learns the same answer from the same kernel).
enum class GuardMode { unknown, madvise, mprotect };
std::atomic<GuardMode> guard_mode{GuardMode::unknown};

bool install_guard(std::byte* address, std::size_t bytes) {
  if (guard_mode.load(std::memory_order_relaxed) != GuardMode::mprotect) {
    if (madvise(address, bytes, MADV_GUARD_INSTALL) == 0) {
      guard_mode.store(GuardMode::madvise, std::memory_order_relaxed);
      return true;
    }
    if (errno != EINVAL) return false;
    // The first thread to learn it says so, once.
    if (guard_mode.exchange(GuardMode::mprotect, std::memory_order_relaxed) == GuardMode::unknown) {
      std::fprintf(stderr,
                   "canopy: this kernel has no MADV_GUARD_INSTALL; guard pages use mprotect, "
                   "two memory maps per stack\n");
    }
  }
  return mprotect(address, bytes, PROT_NONE) == 0;
}

// Whether one process_madvise call can install a whole slab's guard regions
// (Linux 6.14+; a seccomp filter may also refuse it). Learned like
// guard_mode: the first refusal switches every thread to one call per stack.
std::atomic<bool> batched_guards{true};

// Installs the guard region at the bottom of each of a slab's `count`
// stacks in one system call instead of `count`: the calls were most of
// the cost of spawning coroutines onto fresh slabs. False when it could not
// (nothing is then assumed about the slab's guards).
bool install_guards_batched(std::byte* base, std::size_t stack_bytes, std::uint32_t count,
                            std::size_t bytes) {
#if defined(SYS_process_madvise)
  // Only once madvise guards are known to work here at all.
  if (guard_mode.load(std::memory_order_relaxed) != GuardMode::madvise ||
      !batched_guards.load(std::memory_order_relaxed)) {
    return false;
  }
  iovec ranges[max_stacks_per_slab];
  for (std::uint32_t i = 0; i < count; ++i) {
    ranges[i].iov_base = base + std::size_t{i} * stack_bytes;
    ranges[i].iov_len = bytes;
  }
  long done = syscall(SYS_process_madvise, PIDFD_SELF_PROCESS, ranges, count, MADV_GUARD_INSTALL, 0);
  if (done == static_cast<long>(bytes * count)) return true;
  batched_guards.store(false, std::memory_order_relaxed);
#else
  (void)base, (void)stack_bytes, (void)count, (void)bytes;
#endif
  return false;
}

}  // namespace

std::size_t page_bytes() {
  static const std::size_t bytes = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return bytes;
}

bool Stack::contains_guard(const void* address) const {
  auto* a = static_cast<const std::byte*>(address);
  return guard != nullptr && a >= guard && a < guard + guard_bytes;
}

StackPool::~StackPool() {
  while (recent_count_ != 0) release_to_slab(recent_[--recent_count_]);
  if (retiring_ != nullptr) unmap_slab(retiring_);
  for (SizeClass& c : classes_) {
    for (Slab* s : c.with_free) unmap_slab(s);
    if (c.spare != nullptr) unmap_slab(c.spare);
    for (Slab* s : c.idle) unmap_slab(s);
  }
}

StackPool::SizeClass* StackPool::size_class(std::size_t stack_bytes) {
  for (SizeClass& c : classes_) {
    if (c.stack_bytes == stack_bytes) return &c;
  }
  if (classes_.size() == max_size_classes) return nullptr;
  classes_.push_back(SizeClass{stack_bytes, {}, nullptr, {}});
  return &classes_.back();
}

Slab* StackPool::map_slab(std::size_t stack_bytes) {
  std::uint32_t count = static_cast<std::uint32_t>(
      std::clamp<std::size_t>(slab_target_bytes / stack_bytes, 1, max_stacks_per_slab));
  std::size_t bytes = stack_bytes * count;
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  auto* slab = new Slab{static_cast<std::byte*>(mem), stack_bytes, count, {}};
  slab->free.reserve(count);
  bool guarded = install_guards_batched(slab->base, stack_bytes, count, guard_bytes);
  for (std::uint32_t i = 0; i < count && !guarded; ++i) {
    if (!install_guard(slab->base + std::size_t{i} * stack_bytes, guard_bytes)) {
      munmap(mem, bytes);
      delete slab;
      return nullptr;
    }
  }
  // Highest index last so the first stack handed out is index 0.
  for (std::uint32_t i = count; i > 0; --i) slab->free.push_back(i - 1);
  return slab;
}

void StackPool::retire(Slab* slab) {
  SizeClass* c = size_class(slab->stack_bytes);
  std::size_t bytes = slab->stack_bytes * slab->stack_count;
  // Should the kernel refuse (an old one without MADV_FREE), unmapping is
  // what a slab beyond the spare always got.
  if (c != nullptr && c->idle.size() < max_idle_slabs && madvise(slab->base, bytes, MADV_FREE) == 0) {
    c->idle.push_back(slab);
    return;
  }
  unmap_slab(slab);
}

void StackPool::unmap_slab(Slab* slab) {
  munmap(slab->base, slab->stack_bytes * slab->stack_count);
  delete slab;
}

#if defined(__SANITIZE_ADDRESS__)
// Frames of the stack's previous owner left poisoned redzones behind.
void StackPool::unpoison(const Stack& stack) { ASAN_UNPOISON_MEMORY_REGION(stack.limit, stack.usable_bytes()); }
#endif

// acquire() without a recent stack of the size asked for last at hand.
int StackPool::acquire_slow(std::size_t usable_bytes, Stack& out) {
  SizeClass* c;
  std::size_t stack_bytes;
  if (__builtin_expect(usable_bytes == last_usable_bytes_, 1)) {
    // Nearly every coroutine asks for the default size: skip the lookup.
    c = &classes_[last_class_];
    stack_bytes = c->stack_bytes;
  } else {
    std::size_t page = page_bytes();
    stack_bytes = (usable_bytes + guard_bytes + page - 1) & ~(page - 1);
    c = size_class(stack_bytes);
    if (c == nullptr) return -EINVAL;
    last_usable_bytes_ = usable_bytes;
    last_class_ = static_cast<std::size_t>(c - classes_.data());
    last_stack_bytes_ = stack_bytes;
  }
  if (recent_count_ != 0 && recent_stack_bytes_ == stack_bytes) {
    out = recent_[--recent_count_];
#if defined(__SANITIZE_ADDRESS__)
    unpoison(out);
#endif
    ++in_use_;
    return 0;
  }
  Slab* slab = nullptr;
  if (!c->with_free.empty()) {
    slab = c->with_free.back();
  } else if (c->spare != nullptr) {
    slab = c->spare;
    c->spare = nullptr;
    c->with_free.push_back(slab);
  } else if (!c->idle.empty()) {
    slab = c->idle.back();
    c->idle.pop_back();
    c->with_free.push_back(slab);
  } else {
    slab = map_slab(stack_bytes);
    if (slab == nullptr) return -ENOMEM;
    c->with_free.push_back(slab);
  }
  assert(!slab->free.empty() && "a slab on the free list must have a free stack");
  std::uint32_t index = slab->free.back();
  slab->free.pop_back();
  if (slab->free.empty()) c->with_free.pop_back();

  std::byte* base = slab->base + std::size_t{index} * stack_bytes;
  out.guard = base;
  out.guard_bytes = guard_bytes;
  out.limit = base + guard_bytes;
  out.top = base + stack_bytes;
  out.slab = slab;
  out.index = index;
#if defined(__SANITIZE_ADDRESS__)
  unpoison(out);
#endif
  ++in_use_;
  return 0;
}

// release() when the recent stacks are empty, full or of another size.
void StackPool::release_slow(const Stack& stack) {
  assert(stack.slab != nullptr && "only pooled stacks go back to the pool");
  assert(in_use_ > 0 && "a stack is released more often than acquired");
  --in_use_;
  std::size_t stack_bytes = stack.slab->stack_bytes;
  if (recent_count_ == 0) recent_stack_bytes_ = stack_bytes;
  if (recent_count_ < recent_capacity && recent_stack_bytes_ == stack_bytes) {
    recent_[recent_count_++] = stack;
    return;
  }
  release_to_slab(stack);
}

void StackPool::release_to_slab(const Stack& stack) {
  Slab* slab = stack.slab;
  if (retiring_ != nullptr) {
    retire(retiring_);
    retiring_ = nullptr;
  }
  SizeClass* c = size_class(slab->stack_bytes);
  assert(c != nullptr && "a pooled stack's size class exists");
  if (slab->free.empty()) c->with_free.push_back(slab);
  slab->free.push_back(stack.index);
  if (slab->free.size() < slab->stack_count) return;
  // The slab is entirely free: keep one per size as a spare, unmap the rest.
  c->with_free.erase(std::find(c->with_free.begin(), c->with_free.end(), slab));
  if (c->spare == nullptr) {
    c->spare = slab;
  } else {
    retiring_ = slab;
  }
}

}  // namespace canopy::core
