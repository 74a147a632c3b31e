// The scheduler of one thread. The essay on its design is at the top of
// scheduler.cpp; the operations on each kind of object are in that object's
// file (coroutine.cpp, bundle.cpp, channel.cpp, fd.cpp).
//
// Errors: one convention inside core
// ----------------------------------
// Every operation of the scheduler, the handle table and the stack pool that
// can fail returns an int: a non-negative result on success (0, a handle, a
// choose clause's index) or a negative errno value on failure (-EBADF).
// Nothing inside core reads or writes errno, except right at a system call,
// whose errno is turned into this form on the spot, and at a switch, which
// clears it for the coroutine that resumes (count_switch_to): as libdill's
// resumption does, and the errno 0 with which a parked C choose that
// completed returns to its caller (choose_one.hpp). A result that is a
// pointer comes back through an out parameter, with the int saying whether
// it was set. Errno values carried as data rather than as an outcome (what a
// waker delivers in Coroutine::wake_err, a completed clause's EPIPE, an
// event's `err`) stay positive, as errno itself is; so does the platform seam
// (canopy/runtime/platform.hpp), which callers negate on receipt.
//
// Only the edges translate: <libdill.h>'s functions (c_api.cpp) turn a
// negative result into -1 and errno, and the C++ API's entry points
// (api.cpp, canopy/detail/api.hpp) into the positive errno values that
// canopy::status and canopy::result carry. Negating costs nothing on the hot
// paths: the test for failure is the sign test the code did before.
#pragma once

#include <cassert>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "asan_fiber.hpp"
#include "bundle.hpp"
#include "channel.hpp"
#include "coroutine.hpp"
#include "fd_waiters.hpp"
#include "handle_table.hpp"
#include "ready_queue.hpp"
#include "canopy/runtime/platform.hpp"
#include "stack_pool.hpp"
#include "timer_heap.hpp"
#include "user_handle.hpp"

/// Tells the scheduler's observer about an event, building the event only
/// when there is an observer: untraced runs pay one predictable branch.
#define CANOPY_EMIT(...)                                                          \
  do {                                                                            \
    if (__builtin_expect(observed(), 0)) emit_slow(::canopy::runtime::Event __VA_ARGS__); \
  } while (0)

namespace canopy::core {

/// How a coroutine is to be created: one go() or bundle_go() (the public
/// runtime type, so that the C++ API hands it down as it built it).
using SpawnRequest = runtime::SpawnRequest;

/// One operation of choose (and of chsend/chrecv, which are choose of one).
struct ChooseClause {
  bool send = false;
  int handle = -1;
  void* value = nullptr;
  std::size_t bytes = 0;
  void (*move)(void* dst, void* src) = nullptr;
};

/// Counters a simulation reports and the benchmarks read.
struct SchedulerStats {
  std::uint64_t switches = 0;        ///< context switches
  std::uint64_t spawned = 0;         ///< coroutines created
  std::uint64_t live = 0;            ///< coroutines created and not yet finished (main excluded)
};

class Scheduler final : public runtime::ReadinessSink {
 public:
  /// The largest choose() accepted; larger sets get EINVAL.
  static constexpr int max_clauses = 1024;
  /// Non-blocking polls happen at least once every this many switches, so
  /// timers and descriptors are served even while coroutines stay ready.
  static constexpr std::uint32_t switches_per_poll = 64;
  /// Stack size when neither the call nor CANOPY_STACK_BYTES says.
  static constexpr std::size_t default_stack_bytes = 256 * 1024;
  /// The smallest user-supplied stack go_mem accepts.
  static constexpr std::size_t min_user_stack_bytes = 512;

  /// A scheduler on `platform`. With `stacks`, coroutine stacks come from
  /// that pool, which must outlive the scheduler (a simulator running many
  /// short runs keeps one pool so that no run maps or unmaps memory).
  explicit Scheduler(const runtime::Platform& platform, StackPool* stacks = nullptr);
  ~Scheduler() override;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// This thread's scheduler, created on first use from the environment.
  static Scheduler& current() {
    Scheduler* s = tl_current;
    if (__builtin_expect(s == nullptr, 0)) return create_current();
    return *s;
  }
  /// This thread's scheduler, told the return address of the user's call
  /// it is about to serve (for fault injection and cancellation coverage).
  static Scheduler& serving(const void* caller) {
    Scheduler& s = current();
    s.call_site_ = caller;
    return s;
  }
  /// `serve(s)`, for this thread's scheduler `s` serving `caller`, for an
  /// entry point that should keep no frame: the thread's first use, which
  /// creates the scheduler, is out of line, so nothing is kept across a
  /// call and serve's own tail call can be the entry's. `serve` is passed
  /// on by value: a closure of more than two words goes in memory, which
  /// rules that tail call out.
  template <class Serve>
  [[gnu::always_inline]] static int serve_frameless(const void* caller, Serve serve) {
    Scheduler* s = tl_current;
    if (__builtin_expect(s == nullptr, 0)) return serve_first_use(caller, serve);
    s->call_site_ = caller;
    return serve(*s);
  }
  template <class Serve>
  [[gnu::noinline, gnu::cold]] static int serve_first_use(const void* caller, Serve serve) noexcept {
    return serve(serving(caller));
  }
  /// The scheduler in use on this thread, or null before first use.
  static Scheduler* current_if_any() { return tl_current; }
  /// Makes `s` this thread's scheduler and returns the previous one. For
  /// embedding (the simulator's runs); `s` may be null to uninstall.
  static Scheduler* install(Scheduler* s);
  /// The thread's scheduler; constinit so that reading it is one load.
  static constinit thread_local Scheduler* tl_current __attribute__((tls_model("initial-exec")));

  // --- time ---
  /// now(): the clock in milliseconds, as the user sees it. On the real
  /// clock a reading is reused while the CPU's time-stamp counter says that
  /// less than `clock_reuse_cycles` have passed since it was taken (under
  /// 0.2 ms at any clock rate above 1 GHz), so a value is never more than
  /// that behind CLOCK_MONOTONIC, time still moves in a loop that never
  /// blocks, and a call costs a counter read instead of a clock read. Every
  /// reading the scheduler takes for itself (timers, polls) refreshes it,
  /// so now() after a deadline fired is at or past that deadline. Other
  /// clocks (the simulator's) are read every call, exactly as before.
  std::int64_t now_ms() {
#if defined(__x86_64__)
    if (__builtin_expect(clock_cached_, 1)) {
      if (__builtin_ia32_rdtsc() - cached_clock_tsc_ < clock_reuse_cycles) return cached_clock_ms_;
      return read_real_clock_ns() / 1'000'000;
    }
#endif
    if (clock_reading_ != nullptr) return *clock_reading_ / 1'000'000;
    return platform_.clock->now_ns() / 1'000'000;
  }
  /// The clock for the scheduler's own decisions: read every call.
  std::int64_t now_ns() {
#if defined(__x86_64__)
    if (__builtin_expect(clock_cached_, 1)) return read_real_clock_ns();
#endif
    if (clock_reading_ != nullptr) return *clock_reading_;
    return platform_.clock->now_ns();
  }
  /// How long (in time-stamp counter cycles) now() reuses a reading.
  static constexpr std::uint64_t clock_reuse_cycles = 200'000;

  // --- coroutines (coroutine.cpp) ---
  /// C++ go: moves a callable of `bytes` onto the new stack with `construct`
  /// and runs it with `run` (which also destroys it). Returns a handle, 0 for
  /// a bundle member, or -errno.
  /// noexcept, as the entry points that call it are, so that they may
  /// tail-call it (a callable whose move throws ends the process).
  int spawn_closure(const SpawnRequest& request, const runtime::SpawnClosure& closure) noexcept;
  /// spawn_closure when try_create_quick declines.
  [[gnu::noinline]] int spawn_closure_general(const SpawnRequest& request,
                                              const runtime::SpawnClosure& closure) noexcept;
  /// The rest of spawn_closure, for `c` made: starts it with `closure`;
  /// returns `handle` once the spawner resumes.
  [[gnu::always_inline]] inline int start_closure(Coroutine& c, const runtime::SpawnClosure& closure,
                                                  int handle) noexcept;
  /// C go() macro: creates the child and makes it current; the macro saves
  /// the parent into *parent_context and continues on *stack_top. Returns as
  /// spawn_closure does.
  int spawn_inline(const SpawnRequest& request, canopy_ctx** parent_context, void** stack_top);
  /// spawn_inline's common case on its own, for the C go() macro's entry,
  /// which ends every other case in a tail call: a go() (no bundle, no
  /// caller's memory, the default stack) by a coroutine not being closed,
  /// with a kept record whose stack suits, a handle free in the table's
  /// first chunk, room in the ready queue and nothing observing. Returns the
  /// handle, or spawn_declined having done nothing: the general path then
  /// decides, errors included. Makes no call, so that its caller needs no frame.
  [[gnu::always_inline]] inline int try_spawn_inline(const runtime::SpawnSite& site, canopy_ctx** parent_context,
                                                     void** stack_top);
  /// try_spawn_inline's "not here": never a handle, never an error.
  static constexpr int spawn_declined = -1;
  /// Where a switch lands without returning through switch_into: a new
  /// coroutine's first instruction on its stack (the C++ entry, the C
  /// macro's child path) and the C macro's parent path when resumed.
  void arrived() { asan_arrive(*current_, switched_from_); }
  /// Ends the running coroutine; never returns.
  [[noreturn]] void exit_current();
  /// Ends the running coroutine like exit_current, but returns the context
  /// to resume instead of resuming it, for a caller that leaves by returning
  /// into the code that started it (canopy_ctx_start, canopy_go_exit):
  /// leaving by returns keeps the CPU's return prediction in step, which a
  /// jump from deep inside a call chain breaks for every return the resumed
  /// coroutine makes after it. Inline: its common end is a few stores.
  [[gnu::always_inline]] inline const canopy_ctx* finish_current();

  /// These return 0 or -errno.
  /// yield is inline: when nothing observes or steers the run (fast_), the
  /// caller is not being cancelled and no periodic poll is due, it is one
  /// rotation of the ready queue and a swap. Everything else takes the
  /// general path, which does the same steps one by one.
  int yield() {
    return yield_as([](int result) { return result; });
  }
  /// yield() for an entry point that turns the general path's result into
  /// its own form (`Convert`: errno, a positive value); the quick path's 0
  /// is returned as it is, straight from the swap, its tail call.
  template <class Convert>
  [[gnu::always_inline]] int yield_as(Convert) {
    static_assert(std::is_empty_v<Convert>,
                  "yield_as converts with a stateless callable: yield_slow_as makes its own");
    Coroutine& self = *current_;
    const bool refusing = self.cancelled | self.no_blocking;
    if (__builtin_expect(refusing || !fast_ || switches_until_poll_ == 1, 0)) {
      return yield_slow_as<Convert>(refusing);
    }
    --switches_until_poll_;
    Coroutine* next = ready_.rotate(&self);
    // Closed while waiting in the ready queue: still 0, as libdill's yield,
    // which only gives way and was never blocked; the next blocking call
    // refuses with ECANCELED.
    if (next == &self) return 0;
    self.state = CoroutineState::ready;
    return switch_into_returning_resume_value(self, *next);
  }
  /// yield_as's other paths, out of line and reached by a tail call, so
  /// that yield_as keeps no frame: a caller's frame there would leave its
  /// return on the CPU's return stack, which the coroutine resumed returns
  /// past (every simulated yield paid a mispredicted return). A simulation's
  /// every yield is yield_steered's, whose 0 comes straight from the swap.
  /// `Convert` is a type, not an argument: an argument in memory (an empty
  /// lambda) would rule the tail call out, as would a callee that may throw.
  template <class Convert>
  [[gnu::noinline]] int yield_slow_as(bool refusing) noexcept {
    if (__builtin_expect(steered_ && !refusing, 1)) return yield_steered();
    return Convert{}(yield_slow(refusing));
  }
  int msleep(std::int64_t deadline_ms);
  /// hclose: a finished coroutine of the handle table's first chunk (the
  /// usual hclose, after the child is done) is forgotten inline, with no
  /// call; everything else takes hclose_general.
  int hclose(int handle) {
    if (__builtin_expect(forget_if_finished(handle), 1)) return 0;
    return hclose_general(handle);
  }
  /// hclose's common case on its own, for entries (the C API) that end
  /// every other case in a tail call: true when `handle` named a finished
  /// coroutine of the first chunk and is now closed; false, and nothing
  /// done, for anything else (hclose_general's work). Makes no call, so
  /// that its caller needs no frame: at the kept records' bound, where
  /// the record would be deleted, it declines.
  [[gnu::always_inline]] inline bool forget_if_finished(int handle);
  /// hclose of anything forget_if_finished declines.
  [[gnu::noinline]] int hclose_general(int handle);
  int hdone(int handle, std::int64_t deadline_ms);
  /// A new handle for what `handle` names; `handle` stops being valid.
  /// -EBADF, or -ENOMEM (and `handle` is closed, as libdill).
  int hown(int handle);

  // --- user handles (user_handle.cpp) ---
  /// hmake: a handle naming the user's object `vfs`, or -errno.
  int user_open(dill_hvfs* vfs);
  /// hquery: 0 with the object's own answer in `answer` (which may be null,
  /// errno set by the object, libdill's contract for it), or -errno.
  int user_query(int handle, const void* type, void*& answer);

  // --- bundles (bundle.cpp) ---
  /// A handle, or -errno.
  int bundle_open(void* memory);
  /// 0 or -errno.
  int bundle_wait(int handle, std::int64_t deadline_ms);
  /// Sets `out` to the bundle `handle` names for bundle_go and bundle_wait,
  /// turning a go() handle into the bundle of one it stands for. 0, or
  /// -EBADF (no such handle), -ENOTSUP (another kind) or -ENOMEM.
  int bundle_named(int handle, Bundle*& out);

  // --- channels (channel.cpp) ---
  /// Fills `ends`: 0, or -errno.
  int channel_open(void* memory, int ends[2]);
  /// Returns the index of the clause that completed and sets `err` to 0 or
  /// the clause's own outcome (EPIPE, EMSGSIZE, positive); or -errno.
  int choose(const ChooseClause* clauses, int count, std::int64_t deadline_ms, int& err,
             runtime::BlockReason reason);
  /// choose() of exactly two clauses (`clauses` not null), the usual many:
  /// for an entry point that knows the count, no general checks first.
  /// noexcept, as every entry point that calls it is, so that they may
  /// tail-call it.
  [[gnu::noinline]] int choose_two(const ChooseClause* clauses, std::int64_t deadline_ms, int& err,
                                   runtime::BlockReason reason) noexcept;
  /// choose_two past choose_two_quick.
  [[gnu::noinline]] int choose_two_general(const ChooseClause* clauses, std::int64_t deadline_ms, int& err,
                                           runtime::BlockReason reason) noexcept;
  /// 0 or -errno.
  int chdone(int handle);
  /// choose() of clauses the caller reads with at(i) (a ChooseClause each),
  /// count 0 or above 1, already checked against max_clauses; acceptable(i)
  /// says whether the caller's clause i is one at all (<libdill.h>'s
  /// operation code), -EINVAL if not. `count` is an int, or
  /// choose_of_two (a constant), for which the loops unroll and no heap
  /// arrays are considered. Inline, in choose_one.hpp, as is choose_one.
  template <class At, class Acceptable, class Count>
  inline int choose_many(At at, Acceptable acceptable, Count count, std::int64_t deadline_ms, int& err,
                         runtime::BlockReason reason);
  /// choose_many for an entry point, returning convert(result, err), as
  /// choose_one_as: a choose of two (choose_of_two) parks as a choose of
  /// one does, its clean completion returning the clause's index.
  template <class At, class Acceptable, class Count, class Convert>
  inline int choose_many_as(At at, Acceptable acceptable, Count count, std::int64_t deadline_ms, int& err,
                            runtime::BlockReason reason, ParkedFinish how, int* clause_err, Convert convert);
  /// choose_many_as of two clauses on its common paths, with no call but
  /// tail calls, so that the entry needs no frame: unobserved, with valid
  /// clauses of the handle table's first chunk, either a waiting peer with
  /// no deadline of its own and a message of 4 to 8 plain bytes, or nobody
  /// waiting, no deadline and a coroutine to switch to. Anything else is
  /// general(), which starts over: nothing was changed. done(index, errno
  /// location) is the entry's result for a clause that completed cleanly.
  template <class At, class Acceptable, class Done, class General>
  [[gnu::always_inline]] inline int choose_two_quick(At at, Acceptable acceptable, std::int64_t deadline_ms,
                                                     runtime::BlockReason reason, ParkedFinish how,
                                                     int* clause_err, Done done, General general);
  /// choose_many's count for a choose of two clauses, the usual many.
  using choose_of_two = std::integral_constant<int, 2>;
  /// choose() of exactly one clause (chsend, chrecv): returns 0 or -errno,
  /// with the clause's own outcome in `err`.
  inline int choose_one(const ChooseClause& clause, std::int64_t deadline_ms, int& err,
                        runtime::BlockReason reason);
  /// choose_one for an entry point, returning convert(result, err), the
  /// entry's own result. Where `how` is not ParkedFinish::none and the
  /// call blocks with another coroutine ready, it parks (ParkedCall): the
  /// switch is then its tail call, returning the entry's result for a
  /// clean completion, 0 (which convert(0, 0) must be, with errno 0 its
  /// only side effect: count_switch_to's), and `how` says how
  /// the detour finishes any other outcome; cpp_call passes the caller's
  /// `err` as `clause_err`. Inline, in choose_one.hpp.
  template <class Convert>
  inline int choose_one_as(const ChooseClause& clause, std::int64_t deadline_ms, int& err,
                           runtime::BlockReason reason, ParkedFinish how, int* clause_err, Convert convert);
  /// Whether channel calls may park in this build: the swap returns 0 and
  /// no sanitizer must hear of each arrival (the swap is then a tail call).
  static constexpr bool parks_calls = CANOPY_CTX_SWAP_RETURNS_RESUME_VALUE && !CANOPY_ASAN && !CANOPY_TSAN;

  // --- descriptors (fd.cpp) ---
  /// These return 0 or -errno.
  int fd_wait(int fd, runtime::Direction direction, std::int64_t deadline_ms);
  int fd_clean(int fd);

  // --- introspection ---
  const SchedulerStats& stats() const { return stats_; }
  Coroutine& running() { return *current_; }
  /// The running coroutine, or null in the instant a finished one leaves.
  const Coroutine* running_or_null() const { return current_; }
  const HandleTable& handles() const { return handles_; }
  const runtime::Platform& platform() const { return platform_; }
  StackPool& stacks() { return stacks_; }
  const StackPool& stacks() const { return stacks_; }
  /// Pooled stacks held by coroutines (live, or finished with an open
  /// handle); not those that released records keep for the next go().
  std::size_t stacks_held() const;
  /// Calls fn(coroutine) for every live coroutine, main first, then oldest first.
  template <class Fn>
  void for_each_coroutine(Fn&& fn) {
    fn(main_);
    for (Coroutine* c = main_.all_next; c != &main_; c = c->all_next) fn(*c);
  }
  /// Who waits on what, with spawn sites: the deadlock report.
  std::string describe_blocked();
  /// Return address of the API call being served, for injection and reports.
  void set_call_site(const void* address) { call_site_ = address; }
  const void* call_site() const { return call_site_; }
  /// The default pooled stack size for this scheduler.
  std::size_t default_stack() const { return default_stack_bytes_; }
  void set_default_stack(std::size_t bytes) { default_stack_bytes_ = bytes; }
  /// Runs fn(arg) on the calling (main) context with this scheduler
  /// installed; returns true when fn returned, false when the run was
  /// abandoned. Coroutines still alive afterwards are never resumed.
  bool run_main(void (*fn)(void*), void* arg);
  /// From anywhere inside run_main: stops the run at once and makes
  /// run_main return false. Used by a simulation that has seen enough (a
  /// deadlock, a failure). Destructors of abandoned frames do not run.
  [[noreturn]] void abandon_to_main();
  /// True while the thread's main context is the one running.
  bool on_main() const { return current_ == &main_; }

  // --- shared by the object files ---
  /// Whether an observer records events (tracing, or a simulation).
  bool observed() const { return platform_.observer != nullptr; }
  /// Tells the observer; the time is filled in here, in the caller's
  /// temporary (no copy of the event is made). Call through CANOPY_EMIT so
  /// that an unobserved run never even builds the event.
  void emit_slow(runtime::Event&& event);
  void wake(Coroutine& c, int err, int index = -1);
  /// Blocks the running coroutine on everything `wait` links, plus the
  /// deadline; returns 0 or minus what the waker delivered (-ETIMEDOUT...).
  int block(Wait& wait, std::int64_t deadline_ms);
  /// block(), inline (blocking.hpp): for the channel operations' blocking half.
  [[gnu::always_inline]] inline int block_inline(Wait& wait, std::int64_t deadline_ms);
  /// block()'s first half: the running coroutine registered on `wait` and
  /// its deadline, and marked blocked; the switch is the caller's.
  [[gnu::always_inline]] inline void enter_wait(Wait& wait, std::int64_t deadline_ms);
  /// enter_wait's part for a wait with no deadline, which makes no call:
  /// enter_wait with -1 when nothing observes the run.
  [[gnu::always_inline]] inline void enter_untimed_wait(Wait& wait);
  /// Asks the injector (simulation) whether the blocking call about to be
  /// made fails at once: 0, -ECANCELED or -ETIMEDOUT. Called before a blocking
  /// call links anything, so a refused call leaves nothing behind.
  int injected_failure(runtime::BlockReason reason, std::int64_t deadline_ms) {
    if (__builtin_expect(platform_.injector == nullptr, 1)) return 0;
    return injected_failure_slow(reason, deadline_ms);
  }
  void cancel(Coroutine& c, Coroutine& by, runtime::ObjectId through);
  /// True (and the event told) when the running coroutine is cancelled, or
  /// inside a user object's close: its blocking call must fail with ECANCELED.
  bool refuse_if_cancelled() {
    if (__builtin_expect(!(current_->cancelled | current_->no_blocking), 1)) return false;
    return refuse_cancelled();
  }
  runtime::ObjectId next_object_id() { return ++last_object_id_; }

  void fd_ready(int fd, runtime::Direction direction, int err) override;

 private:
  [[gnu::cold, gnu::noinline]] static Scheduler& create_current();
  /// yield() one step at a time; `refusing`: the caller's blocking calls
  /// refuse (cancelled, or inside a user object's close).
  [[gnu::noinline]] int yield_slow(bool refusing) noexcept;
  /// yield() steered and observed (steered_), for a caller that does not
  /// refuse: tells the observer, lets the policy pick and switches, with
  /// the switch as its tail call. Returns 0.
  [[gnu::noinline]] int yield_steered() noexcept;
  /// Reads the real clock and keeps the reading for now_ms().
  std::int64_t read_real_clock_ns();
  void switch_to_next();
  /// One more switch towards the periodic poll, which runs when it is due
  /// (switches_per_poll). Inline, in blocking.hpp.
  inline void poll_when_due();
  /// Makes the next ready coroutine current (polling until there is one)
  /// after the running one finished, and returns its context.
  const canopy_ctx* next_after_finish();
  /// finish_current but for its common end.
  [[gnu::noinline]] const canopy_ctx* finish_current_general();
  /// The running coroutine `c`, returning, marked finished and no longer counted among the live.
  inline void count_out(Coroutine& c);
  /// `next`, taken from the ready queue after the running coroutine
  /// finished, made current; its context, to resume.
  inline const canopy_ctx* enter_after_finish(Coroutine& next);
  /// The next coroutine to run, taken from the ready queue: the oldest, or
  /// the policy's pick. Both inline, in blocking.hpp.
  inline Coroutine* pick_next();
  inline Coroutine* pick_by_policy();
  bool refuse_cancelled();
  int injected_failure_slow(runtime::BlockReason reason, std::int64_t deadline_ms);
  void poll(bool may_block);
  void fire_timers();
  /// A switch to `to` counted, and `to` made the running coroutine.
  [[gnu::always_inline]] inline void count_switch_to(Coroutine& to);
  void switch_into(Coroutine& from, Coroutine& to);
#if defined(__x86_64__)
  /// switch_into for `to` that has never run: calls body(&to) on its stack
  /// at `sp` (16-byte aligned); body returns the context to resume after it.
  /// Returns `value` once `from` is resumed: where no sanitizer must hear
  /// of the arrival, as the switch's own result (its resume_value), so that
  /// the switch is the tail call.
  [[gnu::always_inline]] inline int start_into_returning(Coroutine& from, Coroutine& to, void* sp,
                                                         const canopy_ctx* (*body)(void*), int value);
#endif
  /// switch_into, then `from`'s resume value (0 unless its waker set one
  /// with set_resume_value), for a caller that returns it at once: where
  /// the swap itself returns it and no sanitizer must hear of the arrival,
  /// the swap is the tail call. The resumed coroutine then continues in its
  /// own caller's code, where returning through this function would have
  /// been a return the CPU had not seen called, mispredicted, once a switch.
  [[gnu::always_inline]] inline int switch_into_returning_resume_value(Coroutine& from, Coroutine& to);
  /// Makes the switch that resumes `c`, ready, return `value` (a parked
  /// call's result) where switches return one.
  static void set_resume_value(Coroutine& c, int value) {
#if CANOPY_CTX_SWAP_RETURNS_RESUME_VALUE
    c.context.resume_value = value;
#else
    (void)c;
    (void)value;
#endif
  }
  /// Makes a coroutine (`out`) for `request`: its handle (0 for a bundle
  /// member), or -errno. Inline in both kinds of go(): it is most of one.
  inline int create(const SpawnRequest& request, Coroutine*& out);
  /// create's common case (see try_spawn_inline) for a go() of a pooled
  /// stack of `stack_bytes` usable bytes named `site`, with no call: the new
  /// coroutine (its handle in `handle`), or null having done nothing. Room
  /// in the ready queue for the parent is part of the case.
  [[gnu::always_inline]] inline Coroutine* try_create_quick(const runtime::SpawnSite& site, std::size_t stack_bytes,
                                                            int& handle);
  /// The pieces of create that the common case shares with every other:
  /// a kept record made ready for reuse (there is one);
  inline Coroutine* take_kept_record();
  /// `c`, named by new `handle`, owned by the running coroutine;
  inline void adopt(Coroutine& c, int handle);
  /// `c` given its id, parent and site, and counted among the live;
  inline void count_in(Coroutine& c, const runtime::SpawnSite& site);
  /// and, for the go() macro, `c` made current in place of its parent
  /// (ready again), whose context the macro saves into *parent_context.
  inline void enter_inline(Coroutine& c, canopy_ctx** parent_context, void** stack_top);
  /// Keeps finished, unlinked record `c` for reuse, or frees it.
  inline void release_coroutine(Coroutine* c);
  /// release_coroutine below the kept records' bound: no call.
  inline void keep_record(Coroutine* c);
  /// Deletes record `c` with the stack it holds (release_coroutine at the
  /// kept records' bound, and the scheduler's end).
  [[gnu::noinline]] void free_record(Coroutine* c);
  /// hclose of finished coroutine `c` through `handle`.
  inline void forget_finished(Coroutine& c, int handle);
  /// A stack for new record `c` as `request` asks: the one it holds from
  /// its previous use if that suits, else from the pool or the caller's
  /// memory. 0, or -EINVAL / -ENOMEM (`c` then holds no stack).
  inline int give_stack(const SpawnRequest& request, Coroutine& c);
  [[gnu::noinline]] int give_stack_slow(const SpawnRequest& request, Coroutine& c);
  std::size_t request_stack_bytes(const SpawnRequest& request) const {
    return request.stack_bytes != 0 ? request.stack_bytes : default_stack_bytes_;
  }
  /// Gives back the stack `c` holds, if it is the pool's.
  void drop_stack(Coroutine& c);
  [[gnu::cold, gnu::noinline]] void emit_spawn(const Coroutine& c, const Bundle* bundle);
  inline void disown(Object& o);
  void report_orphans(Coroutine& c);
  /// Blocks in hclose until whoever was registered as the closer is woken.
  void wait_in_hclose(runtime::ObjectId closing);
  /// Whether the running coroutine is `c` or a member of `b` (either may be
  /// null), or runs under one (owned by it or by a bundle it owns, at any
  /// depth): closing that would wait for the closer itself.
  bool runs_under(const Coroutine* c, const Bundle* b) const;
  int close_coroutine(Coroutine& c, int handle);
  int close_bundle(Bundle& b, int handle);
  int close_channel_end(ChannelEnd& e, int handle);
  int close_user(UserHandle& u, int handle);
  void end_half(ChannelHalf& half);
  bool complete_now(const ChooseClause& c, ChannelEnd& end, int& err);
  inline void hand_off(Clause& peer, Clause*& head, Clause*& tail);
  /// hand_off for a peer whose wait has no deadline, but for queueing it:
  /// no call. Returns the peer's coroutine, ready, for the caller to queue.
  [[gnu::always_inline]] inline Coroutine& hand_off_untimed(Clause& peer, Clause*& head, Clause*& tail);
  /// Takes every clause of `w` still queued off its channel's queue.
  static inline void unlink_clauses(Wait& w);
  /// Takes one queued clause off its half's queue.
  [[gnu::always_inline]] static inline void unlink_clause(Clause& clause);
  enum class Rendezvous { done, blocks, general };
  inline Rendezvous complete_fast(const ChooseClause& c, ChannelEnd& end);
  [[gnu::noinline]] bool complete_now_out_of_line(const ChooseClause& c, ChannelEnd& end, int& err);
  inline bool complete_now_on_copies(const ChooseClause& c, ChannelEnd& end, int& err);
  [[gnu::cold, gnu::noinline]] void emit_wake(const Coroutine& c, int err);
  [[gnu::noinline]] int choose_one_slow(const ChooseClause& c, ChannelEnd& end,
                                        std::int64_t deadline_ms, int& err,
                                        runtime::BlockReason reason);
  inline int choose_one_blocking(const ChooseClause& c, ChannelEnd& end,
                                            std::int64_t deadline_ms, int& err,
                                            runtime::BlockReason reason);
  inline void enqueue(Clause& q, const ChooseClause& c, ChannelEnd& end, int index);
  /// choose_many's wait in a frame, for a call that does not park.
  template <class At, class Count>
  inline int choose_many_blocking(At at, ChannelEnd* const* ends, Count count, std::int64_t deadline_ms,
                                  int& err, runtime::BlockReason reason);
  /// Whether a call that blocks with deadline `deadline_ms` may park: it
  /// would block, a coroutine is ready to switch to, and no poll is due.
  inline bool may_park(std::int64_t deadline_ms) const;
  /// Queues the `count` clauses at(i), on ends[i], in the running
  /// coroutine's ParkedCall and switches to the next ready coroutine as
  /// the last step: returns the swap's value, the index of the clause that
  /// completed (else the detour returns for the call).
  template <class At>
  inline int park(At at, ChannelEnd* const* ends, int count, std::int64_t deadline_ms,
                  runtime::BlockReason reason, ParkedFinish how, int* clause_err);
  /// wake()'s part for a parked call woken without its clause completing
  /// cleanly: its return goes through canopy_ctx_detour.
  static void detour(Coroutine& c);
  [[noreturn]] void deadlock();

  runtime::Platform platform_;
  /// No observer and no policy: nothing needs to see each step or choose
  /// who runs next, so the hot paths may take their short forms (one
  /// predictable branch when tracing or simulating is off).
  bool fast_ = false;
  /// Both an observer and a policy (a simulation): a yield is told to the
  /// one and picked by the other, which is all yield_steered does.
  bool steered_ = false;
  bool clock_cached_ = false;              ///< the clock is the real one: now_ms() may reuse a reading
  const std::int64_t* clock_reading_ = nullptr;  ///< Clock::reading(): read in place, without a call
  std::uint64_t cached_clock_tsc_ = 0;     ///< time-stamp counter just before the kept reading
  std::int64_t cached_clock_ms_ = 0;       ///< the kept reading, in milliseconds
  Coroutine main_;                         ///< the thread's own stack
  Coroutine* current_ = &main_;            ///< who runs now
  int* errno_ = &errno;                    ///< the serving thread's errno, cleared at every switch in (count_switch_to)
  Coroutine* switched_from_ = nullptr;     ///< who switched to current_ last (ASan bookkeeping)
  ReadyQueue ready_;
  TimerHeap timers_;
  HandleTable handles_;
  StackPool own_stacks_;                   ///< used unless a pool was lent
  StackPool& stacks_;                      ///< where stacks come from
  Coroutine* free_records_ = nullptr;      ///< finished records kept for reuse, linked by all_next
  std::size_t free_record_count_ = 0;      ///< their number, at most max_free_records
  FdWaiters fd_waiters_;                   ///< who waits on each (fd, direction)
  std::uint64_t timer_arrivals_ = 0;       ///< tiebreak for timers without a policy
  std::uint32_t switches_until_poll_ = switches_per_poll;
  runtime::ObjectId last_object_id_ = 0;
  runtime::CoroutineId last_coroutine_id_ = 0;
  std::size_t default_stack_bytes_ = default_stack_bytes;
  const void* call_site_ = nullptr;
  SchedulerStats stats_{};
  canopy_ctx abandon_context_{};           ///< where abandon_to_main resumes main
  bool abandon_armed_ = false;
  bool abandoned_from_coroutine_ = false;  ///< the abandoning jump came from another stack
  bool in_poll_ = false;                   ///< wakes now come from the clock or a descriptor
  static constexpr std::size_t max_free_records = 1024;
};

inline void Scheduler::unlink_clause(Clause& cl) {
  assert(cl.half != nullptr && "only a queued clause is unlinked");
  ChannelHalf& h = *cl.half;
  Clause*& head = cl.sending ? h.senders_head : h.receivers_head;
  Clause*& tail = cl.sending ? h.senders_tail : h.receivers_tail;
  (cl.prev != nullptr ? cl.prev->next : head) = cl.next;
  (cl.next != nullptr ? cl.next->prev : tail) = cl.prev;
  cl.half = nullptr;
}

inline void Scheduler::unlink_clauses(Wait& w) {
  for (int i = 0; i < w.clause_count; ++i) {
    if (w.clauses[i].half != nullptr) unlink_clause(w.clauses[i]);
  }
}

/// Takes `o` off its owner's list of open children, if it has an owner.
inline void Scheduler::disown(Object& o) {
  if (o.owner == nullptr) return;
  (o.owned_prev != nullptr ? o.owned_prev->owned_next : o.owner->owned) = o.owned_next;
  if (o.owned_next != nullptr) o.owned_next->owned_prev = o.owned_prev;
  o.owner = nullptr;
  o.owned_prev = o.owned_next = nullptr;
}

inline void Scheduler::keep_record(Coroutine* c) {
  assert(free_record_count_ < max_free_records && "the kept records stay within their bound");
  // Kept in a list through all_next, which a finished record no longer
  // uses, with its stack if it had one from the pool.
  c->all_next = free_records_;
  free_records_ = c;
  ++free_record_count_;
}

inline void Scheduler::release_coroutine(Coroutine* c) {
  if (__builtin_expect(free_record_count_ < max_free_records, 1)) {
    keep_record(c);
    return;
  }
  free_record(c);
}

inline void Scheduler::forget_finished(Coroutine& c, int handle) {
  handles_.close(handle);
  disown(c);
  c.handle = -1;
  release_coroutine(&c);
}

inline Coroutine* Scheduler::take_kept_record() {
  Coroutine* c = free_records_;
  free_records_ = c->all_next;
  --free_record_count_;
  c->recycle();
  return c;
}

inline void Scheduler::adopt(Coroutine& c, int handle) {
  c.handle = handle;
  // The spawner owns the handle: it must close it before it exits.
  c.owner = current_;
  c.owned_next = current_->owned;
  if (current_->owned != nullptr) current_->owned->owned_prev = &c;
  current_->owned = &c;
}

inline void Scheduler::count_in(Coroutine& c, const runtime::SpawnSite& site) {
  c.id = ++last_coroutine_id_;
  c.parent = current_->id;
  c.site = site;
  // Last in the ring of live coroutines, which main closes (so no end is
  // a special case).
  c.all_prev = main_.all_prev;
  c.all_next = &main_;
  main_.all_prev->all_next = &c;
  main_.all_prev = &c;
  ++stats_.spawned;
  ++stats_.live;
}

inline void Scheduler::enter_inline(Coroutine& c, canopy_ctx** parent_context, void** stack_top) {
  Coroutine& parent = *current_;
  parent.state = CoroutineState::ready;
  ++stats_.switches;
  current_ = &c;
  c.state = CoroutineState::running;
  switched_from_ = &parent;
  *parent_context = &parent.context;
  *stack_top = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(c.stack.top) & ~std::uintptr_t{15});
  asan_leave(&parent, c);
}

inline void Scheduler::count_out(Coroutine& c) {
  c.state = CoroutineState::finished;
  --stats_.live;
  c.all_prev->all_next = c.all_next;
  c.all_next->all_prev = c.all_prev;
  c.all_prev = nullptr;  // unlinked (all_next is free for the kept records' list)
}

inline const canopy_ctx* Scheduler::enter_after_finish(Coroutine& next) {
  count_switch_to(next);
  switched_from_ = nullptr;
  asan_leave(nullptr, next);
  return &next.context;
}

inline const canopy_ctx* Scheduler::finish_current() {
  Coroutine& self = *current_;
  assert(!self.is_main && "the thread's main context never exits through the scheduler");
  // The common end, with no call and so no frame: the coroutine is no
  // bundle's member (tested first: a member's end is the general one),
  // nothing observes or steers the run, it owns no open handles, keeps its
  // handle open and has nobody waiting in hclose for it, and another is
  // ready. The next is then the oldest ready.
  if (__builtin_expect(self.bundle == nullptr && fast_ && self.owned == nullptr && self.handle >= 0 &&
                           self.joiner == nullptr && !ready_.empty(),
                       1)) {
    count_out(self);
    return enter_after_finish(*ready_.pop());
  }
  return finish_current_general();
}

inline Coroutine* Scheduler::try_create_quick(const runtime::SpawnSite& site, std::size_t stack_bytes,
                                              int& handle) {
  Coroutine* kept = free_records_;
  if (__builtin_expect((current_->cancelled | current_->no_blocking) || kept == nullptr ||
                           kept->stack.slab == nullptr || !stacks_.suits(kept->stack, stack_bytes) ||
                           !handles_.opens_in_first_chunk() || !ready_.has_room() || observed(),
                       0)) {
    return nullptr;
  }
  Coroutine& c = *take_kept_record();
  stacks_.reissue(c.stack);
  handle = handles_.open_in_first_chunk(&c);
  adopt(c, handle);
  count_in(c, site);
  return &c;
}

inline int Scheduler::try_spawn_inline(const runtime::SpawnSite& site, canopy_ctx** parent_context,
                                       void** stack_top) {
  int handle;
  Coroutine* c = try_create_quick(site, default_stack_bytes_, handle);
  if (__builtin_expect(c == nullptr, 0)) return spawn_declined;
  ready_.push_into_room(current_);
  enter_inline(*c, parent_context, stack_top);
  return handle;
}

inline bool Scheduler::forget_if_finished(int handle) {
  Object* o = handles_.find_in_first_chunk(handle);
  if (o == nullptr || o->kind != runtime::ObjectKind::coroutine) return false;
  auto& c = *static_cast<Coroutine*>(o);
  // A finished child: nothing to cancel or wait for. Below the bound its
  // record is kept (no call); at the bound, deleting it is a call.
  if (c.state != CoroutineState::finished || free_record_count_ >= max_free_records) return false;
  if (!handles_.close_in_first_chunk(handle)) return false;
  disown(c);
  c.handle = -1;
  keep_record(&c);
  return true;
}

/// Saves `from`, resumes `to`; returns when `from` is resumed. Inline: it
/// is most of a context switch.
inline void Scheduler::count_switch_to(Coroutine& to) {
  assert(errno_ == &errno && "a scheduler runs on the thread that installed it");
  // As libdill's resumption: a coroutine goes on with errno 0, the value a
  // parked call that completed cleanly returns with (a C choose), nothing
  // running between this store and its resumption.
  *errno_ = 0;
  ++stats_.switches;
  current_ = &to;
  to.state = CoroutineState::running;
}

inline void Scheduler::switch_into(Coroutine& from, Coroutine& to) {
  count_switch_to(to);
#if CANOPY_ASAN
  switched_from_ = &from;  // only AddressSanitizer's bookkeeping reads it
#endif
  asan_leave(&from, to);
  canopy_ctx_swap(&from.context, &to.context);
  asan_arrive(from, switched_from_);
}

#if defined(__x86_64__)
inline int Scheduler::start_into_returning(Coroutine& from, Coroutine& to, void* sp,
                                           const canopy_ctx* (*body)(void*), int value) {
  count_switch_to(to);
#if CANOPY_ASAN || CANOPY_TSAN
#if CANOPY_ASAN
  switched_from_ = &from;  // only AddressSanitizer's bookkeeping reads it
#endif
  asan_leave(&from, to);
  canopy_ctx_start(&from.context, sp, body, &to);
  asan_arrive(from, switched_from_);
  return value;
#else
  // Nobody else writes a ready coroutine's resume value: only a parked
  // call's waker does.
  set_resume_value(from, value);
  return canopy_ctx_start(&from.context, sp, body, &to);
#endif
}
#endif

inline int Scheduler::switch_into_returning_resume_value(Coroutine& from, Coroutine& to) {
#if CANOPY_CTX_SWAP_RETURNS_RESUME_VALUE && !CANOPY_ASAN && !CANOPY_TSAN
  count_switch_to(to);
  return canopy_ctx_swap(&from.context, &to.context);
#else
  switch_into(from, to);
  return 0;
#endif
}

}  // namespace canopy::core
