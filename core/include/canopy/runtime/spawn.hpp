// What a go() asks of the runtime: where it was called, and how the new
// coroutine is to be made. One type for the C++ API, the C macro and the
// scheduler, so that a request is handed down as it was built.
#pragma once

#include <cstddef>

namespace canopy::runtime {

/// Where a coroutine was spawned; static strings, never freed.
struct SpawnSite {
  const char* file = "";      ///< __FILE__ of the go() call
  int line = 0;               ///< __LINE__ of the go() call
  const char* function = "";  ///< the spawned expression or callable's name
};

/// One go() or bundle_go().
struct SpawnRequest {
  bool join = false;               ///< true: joins bundle_handle (bundle_go); false: a handle of its own (go)
  int bundle_handle = -1;          ///< the bundle to join, any value when `join` (bad ones get EBADF)
  void* memory = nullptr;          ///< user-supplied stack (go_mem), or null
  std::size_t memory_bytes = 0;    ///< its size
  std::size_t stack_bytes = 0;     ///< pooled stack size, 0: the default
  SpawnSite site{};
};

/// A C++ go()'s callable: `bytes` (aligned to `align`) built on the new
/// stack from `src` by `construct`, then run (and destroyed) by `run`. One
/// argument rather than five, so that every entry down to the scheduler
/// passes its arguments in registers and ends in a tail call.
struct SpawnClosure {
  std::size_t bytes = 0;
  std::size_t align = 1;
  void (*construct)(void* dst, void* src) = nullptr;
  void* src = nullptr;
  void (*run)(void* closure) = nullptr;
};

}  // namespace canopy::runtime
