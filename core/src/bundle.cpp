// Bundles: many coroutines behind one handle, closed (cancelled) together.
#include <cassert>
#include <cerrno>
#include <new>

#include "scheduler.hpp"

namespace canopy::core {

int Scheduler::bundle_open(void* memory) {
  Bundle* b = memory != nullptr ? new (memory) Bundle() : new (std::nothrow) Bundle();
  if (b == nullptr) {
    errno = ENOMEM;
    return -1;
  }
  b->user_memory = memory != nullptr;
  int handle = handles_.open(b);
  if (handle < 0) {
    if (!b->user_memory) delete b;
    errno = ENOMEM;
    return -1;
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

int Scheduler::bundle_wait(int handle, std::int64_t deadline_ms) {
  Object* o = handles_.find(handle);
  if (o == nullptr || o->kind != runtime::ObjectKind::bundle) return EBADF;
  auto& b = *static_cast<Bundle*>(o);
  if (refuse_if_cancelled()) return ECANCELED;
  CANOPY_EMIT({.kind = runtime::EventKind::bundle_wait_begin, .coroutine = current_->id, .object = b.id,
        .object_kind = runtime::ObjectKind::bundle, .deadline_ms = deadline_ms});
  int err = 0;
  if (b.member_count != 0) {
    if (deadline_ms == 0) {
      err = ETIMEDOUT;
    } else if (current_->bundle == &b) {
      // A member waiting for its own bundle to empty would wait for itself.
      err = EINVAL;
    } else {
      err = injected_failure(runtime::BlockReason::bundle_wait, deadline_ms);
      if (err == 0) {
        Wait w;
        w.reason = runtime::BlockReason::bundle_wait;
        w.object = b.id;
        w.bundle = &b;
        w.bundle_next = b.waiters;
        if (b.waiters != nullptr) b.waiters->bundle_prev = &w;
        b.waiters = &w;
        err = block(w, deadline_ms);
      }
    }
  }
  CANOPY_EMIT({.kind = runtime::EventKind::bundle_wait_end, .coroutine = current_->id, .object = b.id,
        .object_kind = runtime::ObjectKind::bundle, .err = err});
  return err;
}

int Scheduler::close_bundle(Bundle& b, int handle) {
  // A member closing its own bundle would wait for itself to exit.
  if (current_->bundle == &b) return EINVAL;
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
  CANOPY_EMIT({.kind = runtime::EventKind::object_close, .coroutine = current_->id, .object = b.id,
        .object_kind = runtime::ObjectKind::bundle});
  if (b.user_memory) {
    b.~Bundle();
  } else {
    delete &b;
  }
  return 0;
}

}  // namespace canopy::core
