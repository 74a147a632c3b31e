// The bytestream interface: bsend/brecv on any handle whose hvfs answers
// dill_bsock_type, ours (TCP, IPC, protocols) or a user's.
#include "iolist.hpp"

#include <libdillimpl.h>

namespace {
const char bytestream_id = 0;
}

extern "C" {

const void* dill_bsock_type = &bytestream_id;

int dill_bsendl(int s, struct dill_iolist* first, struct dill_iolist* last, int64_t deadline) {
  auto* vfs = static_cast<dill_bsock_vfs*>(hquery(s, dill_bsock_type));
  if (!vfs) return -1;
  std::size_t bytes;
  if (!canopy::net::check_iolist(first, last, true, bytes)) return -1;
  return vfs->bsendl(vfs, first, last, deadline);
}

int dill_brecvl(int s, struct dill_iolist* first, struct dill_iolist* last, int64_t deadline) {
  auto* vfs = static_cast<dill_bsock_vfs*>(hquery(s, dill_bsock_type));
  if (!vfs) return -1;
  std::size_t bytes;
  if (!canopy::net::check_iolist(first, last, false, bytes)) return -1;
  return vfs->brecvl(vfs, first, last, deadline);
}

int dill_bsend(int s, const void* buf, size_t len, int64_t deadline) {
  if (!buf && len) return errno = EINVAL, -1;
  dill_iolist piece{const_cast<void*>(buf), len, nullptr, 0};
  return dill_bsendl(s, &piece, &piece, deadline);
}

int dill_brecv(int s, void* buf, size_t len, int64_t deadline) {
  dill_iolist piece{buf, len, nullptr, 0};
  return dill_brecvl(s, &piece, &piece, deadline);
}

}  // extern "C"
