// SUFFIX: messages over a bytestream, each followed by a delimiter.
#include "iolist_walk.hpp"
#include "layered.hpp"

#include <canopy/net/dill_protocols.h>

#include <climits>
#include <cstdint>
#include <cstring>

namespace canopy::net::proto {
namespace {

/// The longest delimiter, as libdill's.
constexpr std::size_t kMaxSuffixBytes = 32;

struct SuffixSock {
  dill_hvfs hvfs;                          ///< the handle's query and close
  dill_msock_vfs mvfs;                     ///< what msend/mrecv call
  int u;                                   ///< the bytestream below, -1 once handed back
  bool heap;                               ///< allocated by suffix_attach
  bool in_broken;                          ///< a receive failed mid-message
  bool out_broken;                         ///< a send failed mid-message
  std::uint8_t suffix_bytes;               ///< length of the delimiter, 1 to 32
  dill_bsock_vfs* below;                   ///< the bytestream's vfs: one call per byte received
  std::uint8_t suffix[kMaxSuffixBytes];    ///< the delimiter
  std::uint8_t window[kMaxSuffixBytes];    ///< the last suffix_bytes bytes received, oldest first
};
static_assert(fits_in<SuffixSock, dill_suffix_storage>);

int suffix_msendl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                  std::int64_t deadline) noexcept {
  SuffixSock* self = from_mvfs<SuffixSock>(vfs);
  if (self->out_broken) return fail_with(ECONNRESET);
  std::size_t size = 0;
  if (iolist_measure(first, last, &size) < 0) return -1;
  dill_iolist tail{self->suffix, self->suffix_bytes, nullptr, 0};
  last->iol_next = &tail;
  int rc = self->below->bsendl(self->below, first, &tail, deadline);
  last->iol_next = nullptr;
  if (rc < 0) {
    self->out_broken = true;
    return -1;
  }
  return 0;
}

// The stream can only be read exactly (brecv fills what it is given), and
// the delimiter can end anywhere: bytes are read one at a time, so that
// nothing after the delimiter is taken from the stream.
ssize_t suffix_mrecvl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                      std::int64_t deadline) noexcept {
  SuffixSock* self = from_mvfs<SuffixSock>(vfs);
  if (self->in_broken) return fail_with(ECONNRESET);
  std::size_t room = SIZE_MAX;
  if (first && iolist_measure(first, last, &room) < 0) return -1;
  const std::size_t n = self->suffix_bytes;
  // The window is filled first; each byte that slides out of it is a byte
  // of the message.
  dill_iolist fill{self->window, n, nullptr, 0};
  if (self->below->brecvl(self->below, &fill, &fill, deadline) < 0) {
    self->in_broken = true;
    return -1;
  }
  std::size_t size = 0;
  while (std::memcmp(self->window, self->suffix, n) != 0) {
    if (size == room || size == static_cast<std::size_t>(SSIZE_MAX)) {
      self->in_broken = true;
      errno = EMSGSIZE;
      return -1;
    }
    if (first) iolist_write(first, size, self->window, 1);
    ++size;
    std::memmove(self->window, self->window + 1, n - 1);
    dill_iolist next{self->window + n - 1, 1, nullptr, 0};
    if (self->below->brecvl(self->below, &next, &next, deadline) < 0) {
      self->in_broken = true;
      return -1;
    }
  }
  return static_cast<ssize_t>(size);
}

int attach_suffix(int s, const void* suffix, size_t suffixlen, void* mem) {
  if (!suffix || suffixlen == 0 || suffixlen > kMaxSuffixBytes) return fail_closing(s, EINVAL);
  int u = take_over(s, dill_bsock_type);
  if (u < 0) return -1;
  auto* below = static_cast<dill_bsock_vfs*>(dill_hquery(u, dill_bsock_type));
  return make_handle<SuffixSock>(mem, u, [&](SuffixSock* self) {
    self->mvfs.msendl = &suffix_msendl;
    self->mvfs.mrecvl = &suffix_mrecvl;
    self->below = below;
    self->suffix_bytes = static_cast<std::uint8_t>(suffixlen);
    std::memcpy(self->suffix, suffix, suffixlen);
  });
}

}  // namespace
}  // namespace canopy::net::proto

using namespace canopy::net::proto;

extern "C" {

DILL_EXPORT int dill_suffix_attach_mem(int s, const void* suffix, size_t suffixlen,
                                       struct dill_suffix_storage* mem) {
  if (!mem) return fail_closing(s, EINVAL);
  return attach_suffix(s, suffix, suffixlen, mem);
}

DILL_EXPORT int dill_suffix_attach(int s, const void* suffix, size_t suffixlen) {
  return attach_suffix(s, suffix, suffixlen, nullptr);
}

DILL_EXPORT int dill_suffix_detach(int s, int64_t /*deadline: nothing to flush*/) {
  return detach_at_boundary<SuffixSock>(s);
}

}  // extern "C"
