// The seams between the runtime and the world it runs in.
//
// The scheduler never reads a clock, waits on a descriptor, picks the next
// coroutine, or reports what it did on its own: it asks a Platform. `core/`
// supplies the real platform (monotonic clock, epoll, FIFO order, no
// observer); `sim/` supplies simulated ones (virtual clock, simulated
// descriptors, seeded order, fault injection). The same compiled user code
// runs on either, with no #ifdef copies of the runtime.
//
// Each seam is optional except the clock and the poller: a null policy means
// the FIFO fast path, a null observer means tracing is off, a null injector
// means no fault is ever injected. A null pointer costs one predictable
// branch, which is how tracing stays free when it is off.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "canopy/runtime/event.hpp"
#include "canopy/runtime/sockets.hpp"

namespace canopy::runtime {

/// Which way a coroutine waits on a file descriptor.
enum class Direction : std::uint8_t { in = 0, out = 1 };

/// Tells the time. Real: CLOCK_MONOTONIC. Simulated: a virtual clock that
/// moves only when the poller says every coroutine is blocked.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Nanoseconds since an arbitrary, fixed epoch; never decreases.
  virtual std::int64_t now_ns() = 0;
  /// Where now_ns() keeps its answer, when it is just a number in memory
  /// that the clock's owner moves (a simulated clock), or null. The
  /// scheduler then reads the number itself: no call at every event.
  virtual const std::int64_t* reading() const { return nullptr; }
};

/// Receives readiness from a Poller; implemented by the scheduler.
class ReadinessSink {
 public:
  virtual ~ReadinessSink() = default;
  /// `fd` became ready in `direction` (err 0), or failed with `err`.
  virtual void fd_ready(int fd, Direction direction, int err) = 0;
};

/// Waits on file descriptors. At most one waiter per (fd, direction).
class Poller {
 public:
  virtual ~Poller() = default;
  /// Starts waiting for `fd` in `direction`. Returns 0, or an errno value:
  /// EBUSY when someone already waits there, EBADF for a bad descriptor,
  /// ENOTSUP when this poller cannot wait on that kind of descriptor.
  virtual int watch(int fd, Direction direction) = 0;
  /// Stops waiting (the waiter was woken by something else).
  virtual void unwatch(int fd, Direction direction) = 0;
  /// Forgets everything about `fd` (it is about to be closed).
  /// Returns 0, or EBUSY when a coroutine still waits on it.
  virtual int clean(int fd) = 0;
  /// Blocks for at most `timeout_ns` (-1: no limit, 0: just look), reporting
  /// every ready descriptor to `sink`. A simulated poller moves its clock
  /// here: that is the one place where virtual time passes.
  virtual void wait(std::int64_t timeout_ns, ReadinessSink& sink) = 0;
  /// How many (fd, direction) pairs are being waited on: with none, no
  /// timer and nothing ready, nothing can ever wake a coroutine again.
  virtual std::size_t watch_count() const = 0;
};

/// A read-only view of the ready queue, oldest first, read in place: the
/// runtime's ring of coroutine records and where in a record its id lies.
/// Not virtual, so that a policy reading every position at every step (pct)
/// pays a load and an index mask per position rather than a call. The
/// runtime's ready queue is one (these are its own fields), so a pick is
/// handed the queue itself, with nothing built; valid only during the call
/// it is handed to, while the queue stands still.
class ReadyView {
 public:
  std::size_t size() const { return size_; }
  /// The id of the coroutine at position `index` (0 = oldest).
  CoroutineId id(std::size_t index) const {
    const char* record = static_cast<const char*>(slots_[(head_ + index) & mask_]);
    CoroutineId id;
    std::memcpy(&id, record + id_offset_, sizeof id);
    return id;
  }
  ReadyView(const ReadyView&) = delete;
  ReadyView& operator=(const ReadyView&) = delete;

 protected:
  /// Only the runtime's ready queue makes one.
  ReadyView() = default;
  ~ReadyView() = default;
  /// `slots_[(head_ + i) & mask_]` is the record at position i, and its id
  /// is the CoroutineId stored `id_offset_` bytes into it.
  void** slots_ = nullptr;
  std::size_t mask_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t id_offset_ = 0;
};

/// Decides what runs next. Absent, the ready queue is served FIFO.
class Policy {
 public:
  virtual ~Policy() = default;
  /// Index into `ready` (never empty) of the coroutine to run next.
  virtual std::size_t pick(const ReadyView& ready) = 0;
  /// Orders timers that share a deadline: lower fires first. The real
  /// runtime uses arrival order; a simulation uses seeded keys.
  virtual std::uint64_t timer_tiebreak(std::uint64_t arrival) = 0;
  /// How late (ms, >= 0) a timer set for `deadline_ms` fires. 0 unless
  /// jitter is on.
  virtual std::int64_t timer_lateness_ms(std::int64_t deadline_ms) = 0;
};

/// Injects failures at blocking calls (simulation only).
class Injector {
 public:
  virtual ~Injector() = default;
  /// Called before coroutine `id` blocks in `reason` at `call_site` (a
  /// return address in the caller). Returns 0 to block normally, or
  /// ECANCELED / ETIMEDOUT to fail the call at once as if the closer or the
  /// deadline had come now.
  virtual int before_block(std::uint64_t id, BlockReason reason,
                           const void* call_site, bool has_deadline) = 0;
};

/// Told of failures the runtime finds. The real runtime prints and exits;
/// a simulation records them and ends the run.
class FailureSink {
 public:
  virtual ~FailureSink() = default;
  /// Every coroutine is blocked and nothing can wake one. `report` names
  /// who waits on what, with spawn sites. Must not return to the caller's
  /// loop: a simulation switches away for good, the real runtime exits.
  [[noreturn]] virtual void deadlock(const std::string& report) = 0;
  /// A coroutine exited while it still owned handles of running children.
  virtual void structure_broken(const std::string& report) = 0;
  /// A coroutine ended in an uncaught exception or a failed assertion.
  [[noreturn]] virtual void crashed(const std::string& report) = 0;
};

/// Everything the scheduler takes from the outside world, in one place.
struct Platform {
  Clock* clock = nullptr;          ///< required
  Poller* poller = nullptr;        ///< required
  Policy* policy = nullptr;        ///< null: FIFO
  Observer* observer = nullptr;    ///< null: tracing off
  Injector* injector = nullptr;    ///< null: no injected failures
  FailureSink* failures = nullptr; ///< null: print and exit
  Sockets* sockets = nullptr;      ///< null: the kernel's (net/ calls them itself)
};

}  // namespace canopy::runtime
