// A coroutine: a function running on its own stack, and what it waits on.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>

#include "canopy/detail/context.h"
#include "channel.hpp"
#include "object.hpp"
#include "canopy/runtime/platform.hpp"
#include "canopy/runtime/spawn.hpp"
#include "stack_pool.hpp"
#include "timer_heap.hpp"

namespace canopy::core {

struct Bundle;
struct Clause;

enum class CoroutineState : std::uint8_t {
  running,   ///< the one on the CPU
  ready,     ///< in the ready queue
  blocked,   ///< waiting; `wait` says on what
  finished,  ///< returned; only its handle keeps the record alive
};

/// Everything a blocked coroutine is registered with, so that whoever wakes
/// it can unregister all of it at once. Lives on the blocked coroutine's stack.
/// Fields that belong to a part not in use are left unset (making a record
/// is on every blocking path): each says what makes it valid.
struct Wait {
  runtime::BlockReason reason = runtime::BlockReason::yield;  ///< for reports and traces
  runtime::ObjectId object = 0;      ///< what it waits on, for reports and traces
  bool cancellable = true;           ///< false only while waiting in hclose
  bool has_timer = false;            ///< `timer` is in the heap
  Timer timer;                       ///< the deadline, if any (has_timer); unset otherwise
  Clause* clauses;                   ///< channel operations queued (choose/chsend/chrecv), when clause_count > 0
  int clause_count = 0;
  int fd = -1;                       ///< descriptor watched (fdin/fdout), -1: none
  runtime::Direction direction = runtime::Direction::in;
  Bundle* bundle = nullptr;          ///< bundle waited on in bundle_wait, to unlink from
  Wait* bundle_prev;                 ///< neighbours among that bundle's waiters, when `bundle`
  Wait* bundle_next;
  Coroutine* waiter;                 ///< the coroutine this record belongs to; set by block()
};

/// How an entry point whose channel call parked (ParkedCall) turns into its
/// own result a wake that did not complete the clause cleanly.
enum class ParkedFinish : std::uint8_t {
  none,      ///< the entry point does not park: it blocks with a frame of its own
  c_call,    ///< <libdill.h>'s chsend and chrecv: -1 with errno
  c_choose,  ///< <libdill.h>'s choose: the clause's index with its outcome in errno, else -1 with errno
  cpp_call,  ///< the C++ API's choose: the clause's index with its outcome in *clause_err, else minus the errno value
};

/// A channel call (chsend, chrecv, or a choose of one or two clauses; C or
/// C++) blocked with no frame of its own: the switch out was its entry
/// point's tail call, so its wait record and its clauses cannot live on the
/// stack and live here instead. Woken by a clause completing, it resumes
/// straight in the entry's caller with the swap's value, the call's result:
/// the clause's index, which the waker puts in the context's resume_value.
/// Woken any other way (a deadline, a cancellation, EPIPE), wake() points
/// its return at canopy_ctx_detour, which finishes the call as `finish`
/// says and goes on at `resume_at`. Returning through the entry point after
/// every switch would be a return the CPU never saw called: a misprediction
/// per channel message.
struct ParkedCall {
  /// The most clauses a call parks with: a choose of more blocks with a
  /// frame (its clauses are on its stack or the heap).
  static constexpr int max_clauses = 2;
  Wait wait;                             ///< what the call waits on; `wait.clauses` is `clauses`
  Clause clauses[max_clauses];           ///< the call's clauses, wait.clause_count of them
  int* clause_err = nullptr;             ///< cpp_call: the caller's variable for the clause's outcome
  const void* resume_at = nullptr;       ///< set when detoured: where the entry would have returned
  ParkedFinish finish = ParkedFinish::none;  ///< which entry point parked
  ParkedCall() { wait.clauses = clauses; }
  ParkedCall(const ParkedCall&) = delete;
  ParkedCall& operator=(const ParkedCall&) = delete;
};

struct Coroutine : Object {
  canopy_ctx context{};              ///< registers while not running
  CoroutineState state = CoroutineState::ready;
  bool cancelled = false;            ///< closed: every blocking call fails with ECANCELED
  bool is_main = false;              ///< the thread's own stack; never freed
  bool no_blocking = false;          ///< inside a user object's close: blocking calls refuse with ECANCELED
  int wake_err = 0;                  ///< what the waker delivered: 0 or an errno value
  int wake_index = -1;               ///< which choose clause completed, -1: none
  runtime::CoroutineId parent = 0;   ///< who spawned it, for the tree
  Wait* wait = nullptr;              ///< set while blocked
  Coroutine* joiner = nullptr;       ///< who waits in hclose for it to finish
  Bundle* bundle = nullptr;          ///< bundle it belongs to, if any
  Coroutine* member_prev = nullptr;  ///< neighbours among the bundle's members
  Coroutine* member_next = nullptr;
  Object* owned = nullptr;           ///< open child handles it owns (structure check)
  Coroutine* all_prev = nullptr;     ///< neighbours in the ring of all live coroutines that main closes, for reports; null: not in it
  Coroutine* all_next = nullptr;     ///< (a kept record: the next kept one)
  Stack stack{};                     ///< where it runs; pooled unless user memory; kept after it finished, for the next go() to reuse
  runtime::SpawnSite site{};         ///< go() call site, for reports
  /// C++ go, until the coroutine's first instruction: the callable to move
  /// onto its stack, in the spawner's frame (alive: the spawner resumes only
  /// once the coroutine first switches out).
  const runtime::SpawnClosure* spawning = nullptr;
  void* closure = nullptr;           ///< C++ go: where the callable goes, at the stack top
  // AddressSanitizer's view of the stack, kept even when not built with ASan
  // so that the layout does not depend on build flags.
  void* asan_fake_stack = nullptr;   ///< ASan's fake stack while switched out
  const void* asan_bottom = nullptr; ///< lowest stack address, as ASan knows it
  std::size_t asan_size = 0;         ///< stack size, as ASan knows it
  void* tsan_fiber = nullptr;        ///< ThreadSanitizer's context for it; kept when the record is reused
  ParkedCall parked;                 ///< the wait of a channel call that parked (choose_one.hpp, park)

  Coroutine() : Object(runtime::ObjectKind::coroutine) {}

  /// Makes a finished record (released by Scheduler::release_coroutine) as
  /// good as new for create(). Only what a finished record can hold that a
  /// new one does not is reset: ending unlinked it from everything (bundle,
  /// owner, the all-coroutines list, its waits) and create() sets the rest
  /// (stack, ids, site, links). Cheaper than destroying and rebuilding it,
  /// which is on every go().
  void recycle() {
    assert(handle == -1 && owner == nullptr && owned_prev == nullptr && owned_next == nullptr &&
           wait == nullptr && joiner == nullptr && bundle == nullptr && owned == nullptr &&
           all_prev == nullptr && !is_main && "only a finished, unlinked record is recycled");
#if defined(__x86_64__)
    context.from_save = 0;
#endif
    state = CoroutineState::ready;
    cancelled = false;
    no_blocking = false;
    wake_err = 0;
    wake_index = -1;
    member_prev = member_next = nullptr;
    spawning = nullptr;
    closure = nullptr;
    asan_fake_stack = nullptr;
  }
};

}  // namespace canopy::core
