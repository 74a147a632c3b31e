// AddressSanitizer must be told when the stack changes under it, or it
// reports false stack-buffer errors and loses track of fake stacks. These
// compile to nothing in an uninstrumented build.
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

namespace canopy::core {

/// Before leaving `from` for `to`. A null `from` means it is finishing.
inline void asan_leave(Coroutine* from, const Coroutine& to) {
#if CANOPY_ASAN
  __sanitizer_start_switch_fiber(from != nullptr ? &from->asan_fake_stack : nullptr,
                                 to.asan_bottom, to.asan_size);
#else
  (void)from;
  (void)to;
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
