// The message interface: msend/mrecv on any handle whose hvfs answers
// dill_msock_type, ours (UDP, framing protocols) or a user's.
#include "iolist.hpp"

#include <libdillimpl.h>

namespace {
const char message_id = 0;
}

extern "C" {

const void* dill_msock_type = &message_id;

int dill_msendl(int s, struct dill_iolist* first, struct dill_iolist* last, int64_t deadline) {
  auto* vfs = static_cast<dill_msock_vfs*>(hquery(s, dill_msock_type));
  if (!vfs) return -1;
  std::size_t bytes;
  if (!canopy::net::check_iolist(first, last, true, bytes)) return -1;
  return vfs->msendl(vfs, first, last, deadline);
}

ssize_t dill_mrecvl(int s, struct dill_iolist* first, struct dill_iolist* last,
                    int64_t deadline) {
  auto* vfs = static_cast<dill_msock_vfs*>(hquery(s, dill_msock_type));
  if (!vfs) return -1;
  std::size_t bytes;
  if (!canopy::net::check_iolist(first, last, false, bytes)) return -1;
  return vfs->mrecvl(vfs, first, last, deadline);
}

int dill_msend(int s, const void* buf, size_t len, int64_t deadline) {
  if (!buf && len) return errno = EINVAL, -1;
  dill_iolist piece{const_cast<void*>(buf), len, nullptr, 0};
  return dill_msendl(s, &piece, &piece, deadline);
}

ssize_t dill_mrecv(int s, void* buf, size_t len, int64_t deadline) {
  dill_iolist piece{buf, len, nullptr, 0};
  return dill_mrecvl(s, &piece, &piece, deadline);
}

}  // extern "C"
