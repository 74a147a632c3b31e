// The runtime's entry points as the C++ API sees them. Every function
// returns 0 or a positive errno value (never touching errno) unless it says
// otherwise; <libdill.h>'s functions are thin wrappers that turn these into
// -1 and errno. One implementation, two faces.
#pragma once

#include <cstddef>
#include <cstdint>

#include "canopy/runtime/spawn.hpp"

/// On the C++ API's blocking wrappers: forced inline, so that the runtime
/// sees the user's code as the call site in every build, optimized or not
/// (fault injection and cancellation coverage are reported per call site).
#define CANOPY_CALL_SITE [[gnu::always_inline]] inline

namespace canopy::detail {

struct choose_clause {
  bool send = false;
  int handle = -1;
  void* value = nullptr;
  std::size_t bytes = 0;
  /// Typed sends: constructs the message at dst by moving from src.
  void (*move)(void* dst, void* src) = nullptr;
};


std::int64_t now_ms() noexcept;
int yield() noexcept;
int msleep(std::int64_t deadline_ms) noexcept;
int hclose(int handle) noexcept;
int hdone(int handle, std::int64_t deadline_ms) noexcept;
/// A handle, or minus an errno value.
int bundle_open(void* memory) noexcept;
int bundle_wait(int handle, std::int64_t deadline_ms) noexcept;
/// A handle (0 for a bundle member), or minus an errno value.
int spawn(const runtime::SpawnRequest& request, const runtime::SpawnClosure& closure) noexcept;
int chmake(void* memory, int ends[2]) noexcept;
/// The index of the clause that completed (its own error in `err`), or
/// minus an errno value.
int choose(const choose_clause* clauses, int count, std::int64_t deadline_ms, int& err) noexcept;
/// choose() of exactly one clause (channel<T>::send and recv): the inline
/// rendezvous, blocked as a send or a receive.
int choose_one(const choose_clause& clause, std::int64_t deadline_ms, int& err) noexcept;
/// choose() of exactly two clauses. The count known where the C++ choose
/// is compiled makes this a tail call: after a switch, the resumed
/// coroutine's every return mispredicts, so a level fewer is a
/// misprediction fewer.
int choose_two(const choose_clause* clauses, std::int64_t deadline_ms, int& err) noexcept;
int chdone(int handle) noexcept;
int fd_wait(int fd, bool out, std::int64_t deadline_ms) noexcept;
int fd_clean(int fd) noexcept;
/// The running coroutine's id in its scheduler (0: the thread's main).
std::uint64_t current_id() noexcept;
/// Stack size of coroutines spawned from now on by this thread's scheduler.
void set_default_stack_bytes(std::size_t bytes) noexcept;

}  // namespace canopy::detail
