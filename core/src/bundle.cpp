// Bundles: many coroutines behind one handle, closed (cancelled) together.
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <new>

#include "scheduler.hpp"

namespace canopy::core {

int Scheduler::bundle_open(void* memory) {
  // A bundle built at a misaligned address is undefined behaviour.
  if (reinterpret_cast<std::uintptr_t>(memory) % alignof(Bundle) != 0) return -EINVAL;
  Bundle* b = memory != nullptr ? new (memory) Bundle() : new (std::nothrow) Bundle();
  if (b == nullptr) return -ENOMEM;
  b->user_memory = memory != nullptr;
  int handle = handles_.open(b);
  if (handle < 0) {
    if (!b->user_memory) delete b;
    return handle;
  }
  b->handle = handle;
  b->id = next_object_id();
  b->owner = current_;
  b->owned_next = current_->owned;
  if (current_->owned != nullptr) current_->owned->owned_prev = b;
  current_->owned = b;
  CANOPY_EMIT({.kind = runtime::EventKind::object_open, .coroutine = current_->id, .object = b->id,
        .object_kind = runtime::ObjectKind::bundle});
  return handle;
}

int Scheduler::bundle_named(int handle, Bundle*& out) {
  Object* o = handles_.find(handle);
  if (o == nullptr) return -EBADF;
  if (o->kind == runtime::ObjectKind::bundle) {
    out = static_cast<Bundle*>(o);
    return 0;
  }
  if (o->kind != runtime::ObjectKind::coroutine) return -ENOTSUP;
  // A go() handle stands for a bundle holding one coroutine (libdill 2.x).
  // It becomes that bundle only now, the first time it is used as one, so
  // that go() and hclose cost what they did. The bundle takes the
  // coroutine's identity for traces: the diagrams draw the coroutine, not
  // a bundle around it.
  auto& c = *static_cast<Coroutine*>(o);
  auto* b = new (std::nothrow) Bundle();
  if (b == nullptr) return -ENOMEM;
  b->hidden = true;
  b->id = c.id;
  b->handle = handle;
  handles_.replace(handle, b);
  c.handle = -1;
  // The bundle takes the coroutine's place among its owner's children.
  b->owner = c.owner;
  b->owned_prev = c.owned_prev;
  b->owned_next = c.owned_next;
  if (c.owner != nullptr) {
    (c.owned_prev != nullptr ? c.owned_prev->owned_next : c.owner->owned) = b;
    if (c.owned_next != nullptr) c.owned_next->owned_prev = b;
  }
  c.owner = nullptr;
  c.owned_prev = c.owned_next = nullptr;
  if (c.state == CoroutineState::finished) {
    release_coroutine(&c);
  } else {
    c.bundle = b;
    c.member_prev = c.member_next = nullptr;
    b->members_head = b->members_tail = &c;
    b->member_count = 1;
  }
  out = b;
  return 0;
}

int Scheduler::bundle_wait(int handle, std::int64_t deadline_ms) {
  Bundle* named = nullptr;
  if (int err = bundle_named(handle, named); err < 0) return err;
  auto& b = *named;
  if (refuse_if_cancelled()) return -ECANCELED;
  CANOPY_EMIT({.kind = runtime::EventKind::bundle_wait_begin, .coroutine = current_->id, .object = b.id,
        .object_kind = runtime::ObjectKind::bundle, .deadline_ms = deadline_ms});
  int err = 0;
  if (b.member_count != 0) {
    if (deadline_ms == 0) {
      err = -ETIMEDOUT;
    } else if (current_->bundle == &b) {
      // A member waiting for its own bundle to empty would wait for itself.
      err = -EINVAL;
    } else {
      err = injected_failure(runtime::BlockReason::bundle_wait, deadline_ms);
      if (err == 0) {
        Wait w;
        w.reason = runtime::BlockReason::bundle_wait;
        w.object = b.id;
        w.bundle = &b;
        w.bundle_prev = nullptr;
        w.bundle_next = b.waiters;
        if (b.waiters != nullptr) b.waiters->bundle_prev = &w;
        b.waiters = &w;
        err = block(w, deadline_ms);
      }
    }
  }
  CANOPY_EMIT({.kind = runtime::EventKind::bundle_wait_end, .coroutine = current_->id, .object = b.id,
        .object_kind = runtime::ObjectKind::bundle, .err = -err});
  return err;
}

int Scheduler::close_bundle(Bundle& b, int handle) {
  // A member (or anyone running under one) closing the bundle would wait
  // for itself to exit.
  if (runs_under(nullptr, &b)) return -EINVAL;
  handles_.close(handle);
  disown(b);
  b.closing = true;
  // Cancel every member before waiting for any: they wind down in parallel,
  // so closing 1,000 members with 30 s grace periods takes one grace period.
  for (Coroutine* m = b.members_head; m != nullptr; m = m->member_next) cancel(*m, *current_, b.id);
  if (b.member_count != 0) {
    b.closer = current_;
    wait_in_hclose(b.id);
    assert(b.member_count == 0 && "a bundle's hclose returns only after every member exited");
  }
  assert(b.waiters == nullptr && "nobody waits on a bundle whose last member exited");
  if (!b.hidden) {
    CANOPY_EMIT({.kind = runtime::EventKind::object_close, .coroutine = current_->id, .object = b.id,
          .object_kind = runtime::ObjectKind::bundle});
  }
  if (b.user_memory) {
    b.~Bundle();
  } else {
    delete &b;
  }
  return 0;
}

}  // namespace canopy::core
