// User handles: objects of the program's own types behind runtime handles.
//
// The runtime only keeps the function table and a trace identity: hquery
// asks the table, hclose invalidates the handle and then calls the table's
// close once. A close must not block (libdill's rule): while it runs, every
// blocking call of the closing coroutine fails with ECANCELED, so a close
// that tries cannot hang the closer or let other coroutines see the object
// half gone.
#include <cerrno>
#include <new>

#include "scheduler.hpp"

#define DILL_DISABLE_RAW_NAMES
#include "libdillimpl.h"

namespace canopy::core {

int Scheduler::user_open(dill_hvfs* vfs) {
  if (vfs == nullptr || vfs->query == nullptr || vfs->close == nullptr) return -EINVAL;
  if (refuse_if_cancelled()) return -ECANCELED;
  auto* u = new (std::nothrow) UserHandle();
  if (u == nullptr) return -ENOMEM;
  u->vfs = vfs;
  int handle = handles_.open(u);
  if (handle < 0) {
    delete u;
    return handle;
  }
  u->handle = handle;
  u->id = next_object_id();
  CANOPY_EMIT({.kind = runtime::EventKind::object_open, .coroutine = current_->id, .object = u->id,
        .object_kind = runtime::ObjectKind::user});
  return handle;
}

int Scheduler::user_query(int handle, const void* type, void*& answer) {
  Object* o = handles_.find(handle);
  if (o == nullptr) return -EBADF;
  if (o->kind != runtime::ObjectKind::user) return -ENOTSUP;
  dill_hvfs* vfs = static_cast<UserHandle*>(o)->vfs;
  // The user's query speaks libdill's C contract (null and errno); its
  // answer is passed through to the C edge untouched.
  answer = vfs->query(vfs, type);
  return 0;
}

int Scheduler::close_user(UserHandle& u, int handle) {
  // The handle goes first: a close that reaches hclose(handle) again, or a
  // coroutine that runs meanwhile, finds it invalid instead of closing twice.
  handles_.close(handle);
  Coroutine& closer = *current_;
  bool was_no_blocking = closer.no_blocking;
  closer.no_blocking = true;
  u.vfs->close(u.vfs);
  closer.no_blocking = was_no_blocking;
  CANOPY_EMIT({.kind = runtime::EventKind::object_close, .coroutine = current_->id, .object = u.id,
        .object_kind = runtime::ObjectKind::user});
  delete &u;
  return 0;
}

}  // namespace canopy::core
