// Coroutines: creating them, ending them, closing their handles.
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

#include "asan_fiber.hpp"
#include "failure.hpp"
#include "scheduler.hpp"

namespace canopy::core {

namespace {

std::uintptr_t align_down(std::uintptr_t p, std::size_t a) { return p & ~(std::uintptr_t{a} - 1); }

// What escaped a coroutine's body, described; called inside the handler.
[[gnu::cold, gnu::noinline]] std::unique_ptr<std::string> describe_escaped_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return std::make_unique<std::string>(std::string("uncaught exception ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    return std::make_unique<std::string>("uncaught exception of unknown type");
  }
}

// Called on the new stack by canopy_ctx_start (x86-64) or
// canopy_ctx_trampoline (AArch64); returns the context they resume once
// this coroutine has finished.
const canopy_ctx* coroutine_main(void* arg) {
  auto* self = static_cast<Coroutine*>(arg);
  Scheduler& s = Scheduler::current();
  s.arrived();
  {
    // A pointer, not a string, so that a body that returns normally costs
    // one test, and nothing is left to destroy after finish_current (a
    // tail call).
    std::unique_ptr<std::string> crash;
    try {
      // The callable is moved here by the coroutine itself, before the
      // spawner resumes: one call fewer in spawn_closure, which can then
      // end in its switch.
      const runtime::SpawnClosure& spec = *self->spawning;
      void (*run)(void*) = spec.run;
      self->spawning = nullptr;
      spec.construct(self->closure, spec.src);
      run(self->closure);
    } catch (...) {
      crash = describe_escaped_exception();
    }
    // Reported outside the handler: a failure sink that never returns must
    // not leave an exception "being handled" on this thread forever.
    if (crash != nullptr) report_crash(s, *self, *crash);
  }
#if CANOPY_ASAN || CANOPY_TSAN
  // The sanitizers are told of the switch (asan_leave) just before it: no
  // frame may return after that, so the jump is made from here.
  s.exit_current();
#else
  return s.finish_current();
#endif
}

}  // namespace

[[gnu::always_inline]] inline int Scheduler::give_stack(const SpawnRequest& request, Coroutine& c) {
  // A recycled record still holds the stack it ran on, warm in the caches:
  // kept when it is what the pool would hand out.
  if (__builtin_expect(request.memory == nullptr && c.stack.slab != nullptr &&
                           stacks_.suits(c.stack, request_stack_bytes(request)), 1)) {
    stacks_.reissue(c.stack);
    return 0;
  }
  return give_stack_slow(request, c);
}

[[gnu::always_inline]] inline int Scheduler::create(const SpawnRequest& request, Coroutine*& out) {
  // As libdill: a coroutine being closed starts no new work. Its go() fails
  // like a blocking call, so cleanup code cannot spawn children that the
  // closer would then have to wait for.
  if (refuse_if_cancelled()) return -ECANCELED;
  Bundle* bundle = nullptr;
  if (request.join) {
    if (int err = bundle_named(request.bundle_handle, bundle); err < 0) return err;
    assert(!bundle->closing && "a closing bundle's handle is already invalid");
  }
  Coroutine* c;
  if (free_records_ != nullptr) {
    c = take_kept_record();
  } else {
    c = new (std::nothrow) Coroutine();
    if (c == nullptr) return -ENOMEM;
  }
  if (int err = give_stack(request, *c); err < 0) {
    release_coroutine(c);
    return err;
  }
  int handle = 0;
  if (bundle == nullptr) {
    handle = handles_.open(c);
    if (handle < 0) {
      release_coroutine(c);
      return handle;
    }
    adopt(*c, handle);
  } else {
    c->bundle = bundle;
    c->member_prev = bundle->members_tail;
    (bundle->members_tail != nullptr ? bundle->members_tail->member_next : bundle->members_head) = c;
    bundle->members_tail = c;
    ++bundle->member_count;
  }
  count_in(*c, request.site);
  if (__builtin_expect(observed(), 0)) emit_spawn(*c, bundle);
  out = c;
  return handle;
}

int Scheduler::give_stack_slow(const SpawnRequest& request, Coroutine& c) {
  Stack& stack = c.stack;
  if (request.memory == nullptr) {
    drop_stack(c);
    if (int err = stacks_.acquire(request_stack_bytes(request), stack); err < 0) return err;
  } else {
    if (request.memory_bytes < min_user_stack_bytes) return -EINVAL;
    drop_stack(c);
    stack.limit = static_cast<std::byte*>(request.memory);
    stack.top = stack.limit + request.memory_bytes;
  }
  c.asan_bottom = stack.limit;
  c.asan_size = stack.usable_bytes();
  return 0;
}

void Scheduler::drop_stack(Coroutine& c) {
  if (c.stack.slab != nullptr) stacks_.release(c.stack);
  c.stack = Stack{};
}

// Out of line so that create's frame holds no event.
void Scheduler::emit_spawn(const Coroutine& c, const Bundle* bundle) {
  // A member of what a go() handle became is drawn as a plain child.
  bool shown_bundle = bundle != nullptr && !bundle->hidden;
  emit_slow({.kind = runtime::EventKind::spawn, .coroutine = c.id, .other = current_->id,
             .object = shown_bundle ? bundle->id : 0,
             .object_kind = shown_bundle ? runtime::ObjectKind::bundle : runtime::ObjectKind::none,
             .site = c.site});
}

int Scheduler::spawn_closure(const SpawnRequest& request, const runtime::SpawnClosure& spec) noexcept {
  int handle = 0;
  Coroutine* c = request.memory == nullptr && !request.join
                     ? try_create_quick(request.site, request_stack_bytes(request), handle)
                     : nullptr;
  // Every call here is a tail call, so that the common path needs no frame.
  if (__builtin_expect(c == nullptr, 0)) return spawn_closure_general(request, spec);
  return start_closure(*c, spec, handle);
}

int Scheduler::spawn_closure_general(const SpawnRequest& request, const runtime::SpawnClosure& spec) noexcept {
  Coroutine* c = nullptr;
  int handle = create(request, c);
  if (handle < 0) return handle;
  return start_closure(*c, spec, handle);
}

inline int Scheduler::start_closure(Coroutine& c, const runtime::SpawnClosure& spec, int handle) noexcept {
  auto top = reinterpret_cast<std::uintptr_t>(c.stack.top);
  std::uintptr_t closure = align_down(top - spec.bytes, spec.align < 16 ? 16 : spec.align);
  c.spawning = &spec;
  c.closure = reinterpret_cast<void*>(closure);
  Coroutine& parent = *current_;
  parent.state = CoroutineState::ready;
  ready_.push(&parent);
#if defined(__x86_64__)
  // Started by a call on its stack, made from the switch itself: nothing
  // to prepare in its context, and the CPU's return prediction stays in
  // step (canopy_ctx_start). The switch is the tail call: the handle is
  // what it returns when the spawner resumes.
  return start_into_returning(parent, c, reinterpret_cast<void*>(align_down(closure, 16)), &coroutine_main,
                              handle);
#elif defined(__aarch64__)
  // The trampoline calls coroutine_main(c) with a 16-byte aligned stack.
  c.context.sp = reinterpret_cast<void*>(align_down(closure, 16));
  c.context.pc = reinterpret_cast<void*>(&canopy_ctx_trampoline);
  c.context.x[0] = &c;
  c.context.x[1] = reinterpret_cast<void*>(&coroutine_main);
  switch_into(parent, c);
  return handle;
#endif
}

int Scheduler::spawn_inline(const SpawnRequest& request, canopy_ctx** parent_context,
                            void** stack_top) {
  Coroutine* c = nullptr;
  int handle = create(request, c);
  if (handle < 0) return handle;
  ready_.push(current_);
  enter_inline(*c, parent_context, stack_top);
  return handle;
}

void Scheduler::exit_current() { canopy_ctx_jump(finish_current()); }

const canopy_ctx* Scheduler::finish_current_general() {
  Coroutine& self = *current_;
  CANOPY_EMIT({.kind = runtime::EventKind::exit, .coroutine = self.id, .err = self.cancelled ? ECANCELED : 0});
  if (self.owned != nullptr) report_orphans(self);
  if (Bundle* b = self.bundle) {
    (self.member_prev != nullptr ? self.member_prev->member_next : b->members_head) = self.member_next;
    (self.member_next != nullptr ? self.member_next->member_prev : b->members_tail) = self.member_prev;
    self.bundle = nullptr;
    if (--b->member_count == 0) {
      if (b->closer != nullptr) wake(*b->closer, 0);
      while (b->waiters != nullptr) wake(*b->waiters->waiter, 0);
    }
  }
  count_out(self);
  // The record keeps its stack (as libdill's does, until the handle is
  // closed), so that the next go() gets both at once. A record freed here,
  // with its stack, while we still stand on them: nothing from here to the
  // jump creates a coroutine, and the pool keeps an emptied slab mapped
  // until its next release.
  if (self.handle < 0) {
    release_coroutine(&self);
  } else if (self.joiner != nullptr) {
    Coroutine* joiner = self.joiner;
    self.joiner = nullptr;
    wake(*joiner, 0);
  }
  current_ = nullptr;
  return next_after_finish();
}

std::size_t Scheduler::stacks_held() const {
  // Counted here, for the counters, rather than kept up to date on every
  // go() and hclose: the kept records are at most max_free_records.
  std::size_t kept = 0;
  for (const Coroutine* r = free_records_; r != nullptr; r = r->all_next) kept += r->stack.slab != nullptr;
  return stacks_.in_use() - kept;
}

void Scheduler::free_record(Coroutine* c) {
  drop_stack(*c);
  sanitizer_forget(*c);
  delete c;
}

void Scheduler::report_orphans(Coroutine& c) {
  std::string report;
  while (Object* o = c.owned) {
    disown(*o);
    bool running = false;
    std::string what;
    if (o->kind == runtime::ObjectKind::coroutine) {
      auto* child = static_cast<Coroutine*>(o);
      running = child->state != CoroutineState::finished;
      what = "coroutine " + std::to_string(child->id) + " spawned at " + describe_site(child->site);
    } else if (o->kind == runtime::ObjectKind::bundle) {
      auto* b = static_cast<Bundle*>(o);
      running = b->member_count != 0;
      what = "bundle " + std::to_string(b->id) + " with " + std::to_string(b->member_count) +
             " running member(s)";
    }
    if (running) report += "\n  still running: " + what;
  }
  if (report.empty()) return;
  report_structure_broken(*this, "coroutine " + std::to_string(c.id) + " spawned at " +
                                     describe_site(c.site) +
                                     " exited while children it owns were running:" + report);
}

// ---------------------------------------------------------------------------
// Blocking calls that belong to no object

int Scheduler::msleep(std::int64_t deadline_ms) {
  if (refuse_if_cancelled()) return -ECANCELED;
  if (deadline_ms == 0) return 0;
  if (int injected = injected_failure(runtime::BlockReason::msleep, deadline_ms)) {
    return injected == -ETIMEDOUT ? 0 : injected;
  }
  Wait w;
  w.reason = runtime::BlockReason::msleep;
  int err = block(w, deadline_ms);
  return err == -ETIMEDOUT ? 0 : err;
}

int Scheduler::hclose_general(int handle) {
  Object* o = handles_.find(handle);
  if (o == nullptr) return -EBADF;
  switch (o->kind) {
    case runtime::ObjectKind::coroutine:
      if (auto& c = *static_cast<Coroutine*>(o); c.state == CoroutineState::finished) {
        forget_finished(c, handle);
        return 0;
      }
      return close_coroutine(*static_cast<Coroutine*>(o), handle);
    case runtime::ObjectKind::bundle:
      return close_bundle(*static_cast<Bundle*>(o), handle);
    case runtime::ObjectKind::channel:
      return close_channel_end(*static_cast<ChannelEnd*>(o), handle);
    case runtime::ObjectKind::user:
      return close_user(*static_cast<UserHandle*>(o), handle);
    case runtime::ObjectKind::none:
      break;
  }
  return -EBADF;
}

int Scheduler::hown(int handle) {
  Object* o = handles_.find(handle);
  if (o == nullptr) return -EBADF;
  int renamed = handles_.open(o);
  if (renamed < 0) {
    // libdill's contract: a failed transfer leaves nobody owning the object.
    (void)hclose(handle);
    return renamed;
  }
  handles_.close(handle);
  o->handle = renamed;
  return renamed;
}

int Scheduler::hdone(int handle, std::int64_t deadline_ms) {
  (void)deadline_ms;  // ending a channel side never blocks
  Object* o = handles_.find(handle);
  if (o == nullptr) return -EBADF;
  if (o->kind != runtime::ObjectKind::channel) return -ENOTSUP;
  return chdone(handle);
}

void Scheduler::wait_in_hclose(runtime::ObjectId closing) {
  // Not cancellable: what is being closed is already cancelled and will
  // exit soon, and leaving before it has would break the structure.
  Wait w;
  w.reason = runtime::BlockReason::hclose;
  w.object = closing;
  w.cancellable = false;
  block(w, -1);
}

bool Scheduler::runs_under(const Coroutine* c, const Bundle* b) const {
  // Up the ownership tree: a coroutine is held by its own handle's owner,
  // or by the owner of the bundle it is a member of. Owners outlive what
  // they hold or give it up (disown), so every pointer here is live.
  for (const Coroutine* u = current_; u != nullptr;
       u = u->bundle != nullptr ? u->bundle->owner : u->owner) {
    if (u == c || (b != nullptr && u->bundle == b)) return true;
  }
  return false;
}

int Scheduler::close_coroutine(Coroutine& c, int handle) {
  assert(c.state != CoroutineState::finished && "hclose forgets a finished coroutine at once");
  // Waiting for oneself, or for an ancestor that waits for us, would never
  // end. (A finished coroutine is neither: it is not running, and it owns
  // nothing any more: its exit disowned every child.)
  if (runs_under(&c, nullptr)) return -EINVAL;
  // The handle is gone while we wait: nobody else can close it again.
  handles_.close(handle);
  disown(c);
  cancel(c, *current_, c.id);
  c.joiner = current_;
  wait_in_hclose(c.id);
  assert(c.state == CoroutineState::finished && "hclose returns only after the child exited");
  c.handle = -1;
  release_coroutine(&c);
  return 0;
}

}  // namespace canopy::core
