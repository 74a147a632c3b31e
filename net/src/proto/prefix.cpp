// PREFIX: messages over a bytestream, each preceded by its size.
#include "iolist_walk.hpp"
#include "layered.hpp"

#include <canopy/net/dill_protocols.h>

#include <climits>
#include <cstdint>

namespace canopy::net::proto {
namespace {

/// The widest size header: a size is at most 64 bits.
constexpr std::size_t kMaxHeaderBytes = 8;

struct PrefixSock {
  dill_hvfs hvfs;           ///< the handle's query and close
  dill_msock_vfs mvfs;      ///< what msend/mrecv call
  int u;                    ///< the bytestream below, -1 once handed back
  bool heap;                ///< allocated by prefix_attach (else the caller's storage)
  std::uint8_t hdr_bytes;   ///< bytes of the size header, 1 to 8
  bool big_endian;          ///< byte order of the size header
  bool in_broken;           ///< a receive failed mid-frame: the stream is off a boundary
  bool out_broken;          ///< a send failed mid-frame
};
static_assert(fits_in<PrefixSock, dill_prefix_storage>);

void encode_size(const PrefixSock& self, std::uint64_t size, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < self.hdr_bytes; ++i) {
    std::size_t at = self.big_endian ? self.hdr_bytes - 1 - i : i;
    out[at] = static_cast<std::uint8_t>(size & 0xff);
    size >>= 8;
  }
}

std::uint64_t decode_size(const PrefixSock& self, const std::uint8_t* in) noexcept {
  std::uint64_t size = 0;
  for (std::size_t i = 0; i < self.hdr_bytes; ++i) {
    std::size_t at = self.big_endian ? i : self.hdr_bytes - 1 - i;
    size = (size << 8) | in[at];
  }
  return size;
}

int prefix_msendl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                  std::int64_t deadline) noexcept {
  PrefixSock* self = from_mvfs<PrefixSock>(vfs);
  if (self->out_broken) return fail_with(ECONNRESET);
  std::size_t size = 0;
  if (iolist_measure(first, last, &size) < 0) return -1;
  // A size the header cannot hold would be sent truncated: the peer would
  // read the rest of the message as the next frame.
  if (self->hdr_bytes < kMaxHeaderBytes && (std::uint64_t{size} >> (8 * self->hdr_bytes)) != 0) return fail_with(EMSGSIZE);
  std::uint8_t hdr[kMaxHeaderBytes];
  encode_size(*self, size, hdr);
  dill_iolist head{hdr, self->hdr_bytes, first, 0};
  if (dill_bsendl(self->u, &head, last, deadline) < 0) {
    self->out_broken = true;
    return -1;
  }
  return 0;
}

ssize_t prefix_mrecvl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                      std::int64_t deadline) noexcept {
  PrefixSock* self = from_mvfs<PrefixSock>(vfs);
  if (self->in_broken) return fail_with(ECONNRESET);
  std::size_t room = SIZE_MAX;  // no list: the message is skipped, whatever its size
  if (first && iolist_measure(first, last, &room) < 0) return -1;
  std::uint8_t hdr[kMaxHeaderBytes];
  if (dill_brecv(self->u, hdr, self->hdr_bytes, deadline) < 0) {
    self->in_broken = true;
    return -1;
  }
  std::uint64_t size = decode_size(*self, hdr);
  // ssize_t is the result: larger sizes are oversize whatever the buffer.
  if (size > room || size > static_cast<std::uint64_t>(SSIZE_MAX)) {
    // Its bytes are still in the stream: nothing after it can be framed.
    self->in_broken = true;
    errno = EMSGSIZE;
    return -1;
  }
  int rc = 0;
  if (!first) {
    rc = dill_brecv(self->u, nullptr, size, deadline);
  } else if (size > 0) {
    IolistPrefix cut(first, size);
    rc = dill_brecvl(self->u, first, cut.last(), deadline);
  }
  if (rc < 0) {
    self->in_broken = true;
    return -1;
  }
  return static_cast<ssize_t>(size);
}

}  // namespace
}  // namespace canopy::net::proto

using namespace canopy::net::proto;

extern "C" {

namespace {
int attach_prefix(int s, size_t hdrlen, int flags, void* mem) {
  if (hdrlen == 0 || hdrlen > kMaxHeaderBytes) return fail_closing(s, EINVAL);
  int u = take_over(s, dill_bsock_type);
  if (u < 0) return -1;
  return make_handle<PrefixSock>(mem, u, [&](PrefixSock* self) {
    self->mvfs.msendl = &prefix_msendl;
    self->mvfs.mrecvl = &prefix_mrecvl;
    self->hdr_bytes = static_cast<std::uint8_t>(hdrlen);
    self->big_endian = (flags & DILL_PREFIX_LITTLE_ENDIAN) == 0;
  });
}
}  // namespace

DILL_EXPORT int dill_prefix_attach_mem(int s, size_t hdrlen, int flags,
                                       struct dill_prefix_storage* mem) {
  if (!mem) return fail_closing(s, EINVAL);
  return attach_prefix(s, hdrlen, flags, mem);
}

DILL_EXPORT int dill_prefix_attach(int s, size_t hdrlen, int flags) {
  return attach_prefix(s, hdrlen, flags, nullptr);
}

DILL_EXPORT int dill_prefix_detach(int s) {
  return detach_at_boundary<PrefixSock>(s);
}

}  // extern "C"
