// The scheduler: how coroutines take turns on one thread.
//
// Design
// ------
// Every thread that uses Canopy gets its own scheduler; nothing is shared
// between threads except the handle chunks (see handle_table.hpp), so the hot
// paths take no locks. Coroutines are scheduled cooperatively: one runs until
// it blocks (on a channel, a deadline, a descriptor, a bundle, a child) or
// yields. There is no scheduler coroutine. The coroutine that blocks runs the
// scheduler's loop on its own stack and switches straight into the next
// ready coroutine, so a switch is one register swap, not two.
//
// The ready queue is FIFO, and `go` runs the child at once: the parent goes
// to the back of the queue and resumes after the child first blocks. These
// are libdill's rules, and the simulator's `fifo` strategy reproduces them
// exactly; other strategies replace only the choice of which ready coroutine
// runs next (Policy::pick), never the rules of what becomes ready when.
//
// Blocking has one shape everywhere. The blocking call fills a `Wait` record
// on its own stack (a timer, channel clauses, a descriptor, a bundle), links
// the parts into the objects it waits on, and calls block(). Whoever
// satisfies any part calls wake(), which unlinks every part, stores the
// result, and puts the coroutine at the back of the ready queue. Waking is
// therefore O(parts) and needs no search, and a coroutine can never be woken
// twice. Cancellation is just another waker: hclose marks the coroutine
// cancelled and, if it is blocked in a cancellable wait, wakes it with
// ECANCELED; every later blocking call refuses at once with ECANCELED.
//
// Time and descriptors are consulted when nothing is ready, and also every
// `switches_per_poll` switches so that busy coroutines cannot starve timers.
// When nothing is ready, no timer is pending and no descriptor is watched,
// nothing can ever wake anyone: that is a deadlock, reported with who waits
// on what and where they were spawned, instead of hanging forever.
//
// The clock, the poller and the choice of the next coroutine come from the
// Platform (canopy/runtime/platform.hpp). On the real platform, the poller sleeps in
// epoll; on the simulated one, "sleeping" moves the virtual clock to the next
// deadline, which is how a 30-second grace period takes microseconds.
//
// Errors follow one convention everywhere inside core: an int that is a
// result when non-negative and a negated errno value when not, translated to
// -1-and-errno only in c_api.cpp and to canopy::status in api.cpp (the top of
// scheduler.hpp has the details).
//
// Trade-offs
// ----------
// - Stackful coroutines cost a stack each (256 KiB of address space by
//   default, a page or two of memory in practice) but let any C function
//   block, which is what running existing libdill code unchanged requires.
// - A finished coroutine gives its stack back to the pool while still
//   standing on it, just before its last switch; that is safe because
//   nothing in between creates a coroutine, and because the pool unmaps an
//   emptied slab only at its next release (stack_pool.hpp).
// - FIFO with a periodic poll is simple and fair among ready coroutines, but
//   does not prioritise I/O; nobody has asked for that yet.
#include "blocking.hpp"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "asan_fiber.hpp"
#include "canopy/runtime/environment.hpp"
#include "lazy_binding.hpp"
#include "real_platform.hpp"
#include "stack_guard.hpp"

namespace canopy::core {

namespace {

// Frees a thread's default scheduler when the thread ends, if nothing runs on it.
pthread_key_t default_scheduler_key;
pthread_once_t default_scheduler_key_once = PTHREAD_ONCE_INIT;

void destroy_default_scheduler(void* p) {
  auto* s = static_cast<Scheduler*>(p);
  // A thread that ends inside a coroutine (pthread_exit) still stands on
  // that coroutine's stack: leave everything. Otherwise coroutines still
  // alive can never run again (their handles work on this thread only), so
  // they are freed unrun, like an abandoned simulation's: their handle
  // chunk and stacks go back for other threads to use.
  if (!s->on_main()) return;
  if (Scheduler::tl_current == s) Scheduler::tl_current = nullptr;
  delete s;
  release_real_platform();
}

void make_key() { pthread_key_create(&default_scheduler_key, destroy_default_scheduler); }

bool is_main_thread() { return static_cast<pid_t>(syscall(SYS_gettid)) == getpid(); }

std::size_t stack_bytes_from_environment() {
  const char* text = std::getenv("CANOPY_STACK_BYTES");
  if (text == nullptr || *text == '\0') return Scheduler::default_stack_bytes;
  char* end = nullptr;
  errno = 0;
  unsigned long long bytes = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || bytes < 16 * 1024 || bytes > (1ull << 30)) {
    // Like every other CANOPY_* variable: a setting the runtime cannot
    // honour stops the program before it runs, rather than being ignored.
    std::fprintf(stderr,
                 "canopy: CANOPY_STACK_BYTES=%s is not a stack size: give a decimal number of "
                 "bytes between 16384 and 1073741824\n",
                 text);
    std::fflush(nullptr);
    _exit(2);
  }
  return static_cast<std::size_t>(bytes);
}

Scheduler* create_default_scheduler() {
  runtime::Platform platform;
  bool main_thread = is_main_thread();
  static bool environment_consulted = false;
  if (main_thread && !environment_consulted) {
    environment_consulted = true;
    const runtime::EnvironmentHooks& hooks = runtime::linked_environment_hooks;
    if (hooks.platform != nullptr) {
      if (runtime::Platform* simulated = hooks.platform()) platform = *simulated;
    }
    if (platform.clock == nullptr) platform = real_platform();
    // A simulated platform brings its own observer, which forwards to the
    // recorder itself.
    if (platform.observer == nullptr) {
      platform.observer =
          runtime::observer_from_environment(platform.clock != real_platform().clock);
    }
  } else {
    platform = real_platform();
  }
  auto* s = new Scheduler(platform);
  s->set_default_stack(stack_bytes_from_environment());
  pthread_once(&default_scheduler_key_once, make_key);
  pthread_setspecific(default_scheduler_key, s);
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------
// Lifetime

Scheduler::Scheduler(const runtime::Platform& platform, StackPool* stacks)
    : platform_(platform),
      fast_(platform.observer == nullptr && platform.policy == nullptr),
      steered_(platform.observer != nullptr && platform.policy != nullptr),
      clock_cached_(platform.clock == &monotonic_clock()),
      clock_reading_(platform.clock != nullptr ? platform.clock->reading() : nullptr),
      stacks_(stacks != nullptr ? *stacks : own_stacks_) {
  assert(platform_.clock != nullptr && "a scheduler needs a clock");
  assert(platform_.poller != nullptr && "a scheduler needs a poller");
  main_.is_main = true;
  // main_ closes the ring of live coroutines: empty, it is its own neighbour.
  main_.all_prev = main_.all_next = &main_;
  main_.state = CoroutineState::running;
  main_.id = runtime::main_coroutine;
  main_.site = {"", 0, "main"};
  // Every record has the same layout; offsetof is not allowed on a type
  // with a base, so it is read off main's.
  ready_.set_id_offset(static_cast<std::size_t>(reinterpret_cast<const char*>(&main_.id) -
                                                reinterpret_cast<const char*>(&main_)));
  install_stack_guard_for_thread();
  resolve_lazy_bindings();
}

Scheduler::~Scheduler() {
  assert(current_ == &main_ && "a scheduler is destroyed from its main context");
  // Bundles and channels still open are reachable only through handles;
  // collect them before freeing coroutines, whose records handles also name.
  std::vector<Object*> open;
  std::vector<Coroutine*> finished_unclosed;
  handles_.for_each([&](int, Object* o) {
    if (o->kind != runtime::ObjectKind::coroutine) {
      open.push_back(o);
    } else if (static_cast<Coroutine*>(o)->state == CoroutineState::finished) {
      finished_unclosed.push_back(static_cast<Coroutine*>(o));
    }
  });
  for (Object* o : open) {
    if (o->kind == runtime::ObjectKind::bundle) {
      auto* b = static_cast<Bundle*>(o);
      if (!b->user_memory) delete b;
    } else if (o->kind == runtime::ObjectKind::channel) {
      auto* e = static_cast<ChannelEnd*>(o);
      Channel* ch = e->channel;
      ch->ends[e->side].closed = true;
      if (ch->ends[0].closed && ch->ends[1].closed && !ch->user_memory) delete ch;
    } else if (o->kind == runtime::ObjectKind::user) {
      // No user code runs in a scheduler being torn down: its close is not called.
      delete static_cast<UserHandle*>(o);
    }
  }
  // Abandoned coroutines (a simulation that stopped early) are freed
  // without running; nobody runs on their stacks any more, so the stacks
  // can serve again. Finished ones whose handles were never closed go too.
  Coroutine* c = main_.all_next;
  while (c != &main_) {
    Coroutine* next = c->all_next;
    free_record(c);
    c = next;
  }
  for (Coroutine* f : finished_unclosed) free_record(f);
  while (Coroutine* r = free_records_) {
    free_records_ = r->all_next;
    free_record(r);
  }
  if (tl_current == this) tl_current = nullptr;
}

constinit thread_local Scheduler* Scheduler::tl_current = nullptr;

Scheduler& Scheduler::create_current() {
  Scheduler* s = create_default_scheduler();
  tl_current = s;
  s->errno_ = &errno;
  return *s;
}


Scheduler* Scheduler::install(Scheduler* s) {
  Scheduler* previous = tl_current;
  tl_current = s;
  if (s != nullptr) s->errno_ = &errno;
  return previous;
}

bool Scheduler::run_main(void (*fn)(void*), void* arg) {
  assert(current_ == &main_ && "run_main starts on the main context");
  abandon_armed_ = true;
  if (canopy_ctx_save(&abandon_context_) == 0) {
    fn(arg);
    abandon_armed_ = false;
    return true;
  }
  abandon_armed_ = false;
  if (abandoned_from_coroutine_) asan_arrive_abandoned();
  return false;
}

void Scheduler::abandon_to_main() {
  assert(abandon_armed_ && "abandon_to_main is only possible inside run_main");
  // Null when the failure was found right after a coroutine exited (a
  // deadlock seen from next_after_finish): nothing to mark, and the stack
  // being left is already released.
  Coroutine* from = current_;
  if (from != nullptr && from != &main_) from->state = CoroutineState::ready;
  current_ = &main_;
  main_.state = CoroutineState::running;
  switched_from_ = nullptr;
  in_poll_ = false;
  abandoned_from_coroutine_ = from != &main_;
#if defined(__x86_64__)
  // Main may have been saved by go() and not yet resumed that way: it now
  // goes on from abandon_context_, and its next switch out is a swap,
  // which leaves the flag alone (context.h).
  main_.context.from_save = 0;
#endif
  if (abandoned_from_coroutine_) {
    asan_leave(nullptr, main_);
  } else {
    asan_forget_frames();
  }
  canopy_ctx_jump(&abandon_context_);
}

// ---------------------------------------------------------------------------
// Switching

// yield() (scheduler.hpp) observed and steered: yield_slow's steps for a
// caller that does not refuse, with the switch as the tail call. The
// observer hears of the yield before the coroutine is ready again, and the
// policy picks from a queue that holds it, as in yield_slow.
int Scheduler::yield_steered() noexcept {
  Coroutine& self = *current_;
  // A simulated clock is read in place (now_ns() would test for the real
  // one first): nothing kept across a call to read it.
  const std::int64_t time_ns = __builtin_expect(clock_reading_ != nullptr, 1) ? *clock_reading_ : now_ns();
  platform_.observer->yielded(self.id, time_ns);
  self.state = CoroutineState::ready;
  ready_.push(&self);
  poll_when_due();
  Coroutine* next = pick_by_policy();
  if (next == &self) {
    self.state = CoroutineState::running;
    return 0;
  }
  // Closed while waiting in the ready queue: still 0 (yield_slow).
  return switch_into_returning_resume_value(self, *next);
}

// yield() (scheduler.hpp) one step at a time: cancelled, observed or
// steered alone, or due for its periodic poll.
int Scheduler::yield_slow(bool refusing) noexcept {
  if (refusing && refuse_cancelled()) return -ECANCELED;
  Coroutine& self = *current_;
  // Told without building an Event (Observer::yielded): a dozen stores
  // fewer at every step of a simulation.
  if (__builtin_expect(observed(), 1)) platform_.observer->yielded(self.id, now_ns());
  self.state = CoroutineState::ready;
  ready_.push(&self);
  switch_to_next();
  // Closed while waiting in the ready queue: still 0, as libdill's yield,
  // which only gives way and was never blocked; the next blocking call
  // refuses with ECANCELED.
  return 0;
}

const canopy_ctx* Scheduler::next_after_finish() {
  for (;;) {
    if (!ready_.empty()) return enter_after_finish(*pick_next());
    poll(true);
  }
}

// ---------------------------------------------------------------------------
// Blocking and waking

bool Scheduler::refuse_cancelled() {
  CANOPY_EMIT({.kind = runtime::EventKind::ecanceled, .coroutine = current_->id});
  return true;
}

int Scheduler::injected_failure_slow(runtime::BlockReason reason, std::int64_t deadline_ms) {
  Coroutine& self = *current_;
  int injected = platform_.injector->before_block(self.id, reason, call_site_, deadline_ms >= 0);
  if (injected == ECANCELED) {
    // As if the closer had come now: this and every later call refuse.
    self.cancelled = true;
    CANOPY_EMIT({.kind = runtime::EventKind::ecanceled, .coroutine = self.id});
  } else if (injected == ETIMEDOUT) {
    CANOPY_EMIT({.kind = runtime::EventKind::deadline_expired, .coroutine = self.id,
          .deadline_ms = deadline_ms});
  } else {
    assert(injected == 0 && "an injector delivers only ECANCELED or ETIMEDOUT");
  }
  // The injector speaks positive errno values, as the platform seam does.
  return -injected;
}

int Scheduler::block(Wait& wait, std::int64_t deadline_ms) { return block_inline(wait, deadline_ms); }

void Scheduler::wake(Coroutine& c, int err, int index) {
  assert(c.state == CoroutineState::blocked && "only a blocked coroutine can be woken");
  Wait* w = c.wait;
  assert(w != nullptr && "a blocked coroutine has a wait record");
  if (w->has_timer) {
    timers_.remove(&w->timer);
    w->has_timer = false;
  }
  unlink_clauses(*w);
  if (w->fd >= 0) {
    fd_waiters_.clear(w->fd, w->direction);
    platform_.poller->unwatch(w->fd, w->direction);
    w->fd = -1;
  }
  if (w->bundle != nullptr) {
    Bundle& b = *w->bundle;
    (w->bundle_prev != nullptr ? w->bundle_prev->bundle_next : b.waiters) = w->bundle_next;
    if (w->bundle_next != nullptr) w->bundle_next->bundle_prev = w->bundle_prev;
    w->bundle = nullptr;
  }
  c.wait = nullptr;
  c.wake_err = err;
  c.wake_index = index;
  c.state = CoroutineState::ready;
  ready_.push(&c);
  if constexpr (parks_calls) {
    if (w == &c.parked.wait) {
      if (index < 0 || err != 0) {
        detour(c);
      } else {
        set_resume_value(c, index);
      }
    }
  }
  if (__builtin_expect(observed(), 0)) emit_wake(c, err);
}

#if defined(__x86_64__)
static_assert(offsetof(canopy_ctx, from_save) == 72 && offsetof(canopy_ctx, resume_value) == 80,
              "switch_x86_64.S reads canopy_ctx at these offsets");
#endif

void Scheduler::detour(Coroutine& c) {
#if defined(__x86_64__)
  assert(c.context.from_save == 0 && "a parked call was switched out by a swap");
  void** slot = canopy_ctx_resume_slot(&c.context);
  c.parked.resume_at = *slot;
  *slot = reinterpret_cast<void*>(&canopy_ctx_detour);
#else
  (void)c;
  assert(false && "only builds that park calls detour them");
#endif
}

// Out of line so that wake's frame holds no event.
void Scheduler::emit_wake(const Coroutine& c, int err) {
  // Timers and descriptors wake on nobody's behalf.
  runtime::CoroutineId by = in_poll_ || current_ == nullptr ? runtime::no_coroutine : current_->id;
  emit_slow({.kind = runtime::EventKind::wake, .coroutine = c.id, .other = by, .err = err});
  if (err == ECANCELED) emit_slow({.kind = runtime::EventKind::ecanceled, .coroutine = c.id});
}

void Scheduler::cancel(Coroutine& c, Coroutine& by, runtime::ObjectId through) {
  if (c.cancelled || c.state == CoroutineState::finished) return;
  c.cancelled = true;
  CANOPY_EMIT({.kind = runtime::EventKind::cancel, .coroutine = c.id,
        .other = by.id, .object = through});
  if (c.state == CoroutineState::blocked && c.wait->cancellable) wake(c, ECANCELED);
}

// ---------------------------------------------------------------------------
// Time and descriptors

void Scheduler::poll(bool may_block) {
  std::int64_t timeout_ns = 0;
  if (may_block) {
    if (!timers_.empty() && timers_.top()->fire_ms < forever_ms) {
      std::int64_t fire_ns = timers_.top()->fire_ms * 1'000'000;
      std::int64_t now = now_ns();
      timeout_ns = fire_ns > now ? fire_ns - now : 0;
    } else if (timers_.empty() && platform_.poller->watch_count() == 0) {
      deadlock();
    } else {
      timeout_ns = -1;
    }
  }
  in_poll_ = true;
  if (may_block || platform_.poller->watch_count() != 0) platform_.poller->wait(timeout_ns, *this);
  fire_timers();
  in_poll_ = false;
}

void Scheduler::fire_timers() {
  if (timers_.empty()) return;
  // A fresh reading, never now()'s reused one: a timer due now must fire now.
  std::int64_t now = now_ns() / 1'000'000;
  while (!timers_.empty() && timers_.top()->fire_ms <= now) {
    Timer* t = timers_.pop();
    Coroutine& c = *t->waiter;
    c.wait->has_timer = false;
    CANOPY_EMIT({.kind = runtime::EventKind::deadline_expired, .coroutine = c.id,
          .deadline_ms = t->deadline_ms});
    wake(c, ETIMEDOUT);
  }
}

void Scheduler::fd_ready(int fd, runtime::Direction direction, int err) {
  if (Coroutine* waiter = fd_waiters_.find(fd, direction)) wake(*waiter, err);
}

std::int64_t Scheduler::read_real_clock_ns() {
#if defined(__x86_64__)
  // The counter is read first, so a kept reading is never older than the
  // counter says.
  std::uint64_t tsc = __builtin_ia32_rdtsc();
  std::int64_t t = platform_.clock->now_ns();
  cached_clock_tsc_ = tsc;
  cached_clock_ms_ = t / 1'000'000;
  return t;
#else
  return platform_.clock->now_ns();
#endif
}

void Scheduler::emit_slow(runtime::Event&& event) {
  event.time_ns = now_ns();
  platform_.observer->record(event);
}

}  // namespace canopy::core
