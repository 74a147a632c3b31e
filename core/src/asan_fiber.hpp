// The sanitizers must be told when the stack changes under them.
// AddressSanitizer otherwise reports false stack-buffer errors and loses
// track of fake stacks; ThreadSanitizer otherwise takes a coroutine switch
// for one thread's stack jumping around and reports races that are not
// there. ASan and TSan cannot be combined, so at most one of these is on;
// all compile to nothing in an uninstrumented build.
#pragma once

#include <cstddef>

#include "coroutine.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define CANOPY_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#else
#define CANOPY_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define CANOPY_TSAN 1
#include <sanitizer/tsan_interface.h>
#else
#define CANOPY_TSAN 0
#endif

namespace canopy::core {

/// Before leaving `from` for `to`. A null `from` means it is finishing.
inline void asan_leave(Coroutine* from, Coroutine& to) {
#if CANOPY_ASAN
  __sanitizer_start_switch_fiber(from != nullptr ? &from->asan_fake_stack : nullptr,
                                 to.asan_bottom, to.asan_size);
#elif CANOPY_TSAN
  // The thread's own context is known only from inside it, and main always
  // leaves before anything else runs; a coroutine's is made when first
  // entered and kept with its record for the next coroutine.
  if (from != nullptr && from->is_main && from->tsan_fiber == nullptr) {
    from->tsan_fiber = __tsan_get_current_fiber();
  }
  if (to.tsan_fiber == nullptr) to.tsan_fiber = __tsan_create_fiber(0);
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#else
  (void)from;
  (void)to;
#endif
}

/// Before a coroutine record is freed: its TSan context goes with it,
/// unless it is the one running (a finishing coroutine freeing its own
/// record), which TSan forbids destroying.
inline void sanitizer_forget(Coroutine& c) {
#if CANOPY_TSAN
  if (c.tsan_fiber != nullptr && !c.is_main && c.tsan_fiber != __tsan_get_current_fiber()) {
    __tsan_destroy_fiber(c.tsan_fiber);
  }
  c.tsan_fiber = nullptr;
#else
  (void)c;
#endif
}

/// Right after arriving in `self`, switched from `from`: learns `from`'s
/// stack bounds (the thread's own stack is only known this way).
inline void asan_arrive(Coroutine& self, Coroutine* from) {
#if CANOPY_ASAN
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(self.asan_fake_stack, &bottom, &size);
  if (from != nullptr && from->is_main) {
    from->asan_bottom = bottom;
    from->asan_size = size;
  }
#else
  (void)self;
  (void)from;
#endif
}

/// Before a jump that abandons frames on the current stack (like longjmp):
/// their redzones must not stay poisoned under whoever uses that memory next.
inline void asan_forget_frames() {
#if CANOPY_ASAN
  __asan_handle_no_return();
#endif
}

/// On arriving in main's context by an abandoning jump from a coroutine.
inline void asan_arrive_abandoned() {
#if CANOPY_ASAN
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
  __asan_handle_no_return();
#endif
}

}  // namespace canopy::core
