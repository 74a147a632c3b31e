// TERM: a terminal message ends each direction of a message socket.
#include "iolist_walk.hpp"
#include "layered.hpp"

#include <canopy/net/dill_protocols.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace canopy::net::proto {
namespace {

/// The longest terminal message, as libdill's.
constexpr std::size_t kMaxTermBytes = 32;
/// How many messages term_detach drops while waiting for the peer's
/// terminal one: a peer that never ends is not waited on forever even
/// without a deadline.
constexpr std::size_t kMaxDrainedMessages = 1u << 20;

struct TermSock {
  dill_hvfs hvfs;                      ///< the handle's query and close
  dill_msock_vfs mvfs;                 ///< what msend/mrecv call
  int u;                               ///< the message socket below, -1 once handed back
  bool heap;                           ///< allocated by term_attach
  bool in_done;                        ///< the peer's terminal message arrived
  bool out_done;                       ///< ours was sent
  std::uint8_t term_bytes;             ///< length of the terminal message
  std::uint8_t term[kMaxTermBytes];    ///< the terminal message
};
static_assert(fits_in<TermSock, dill_term_storage>);

int term_msendl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                std::int64_t deadline) noexcept {
  TermSock* self = from_mvfs<TermSock>(vfs);
  if (self->out_done) return fail_with(EPIPE);
  return dill_msendl(self->u, first, last, deadline);
}

ssize_t term_mrecvl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                    std::int64_t deadline) noexcept {
  TermSock* self = from_mvfs<TermSock>(vfs);
  if (self->in_done) return fail_with(EPIPE);
  const std::size_t n = self->term_bytes;
  std::size_t room = SIZE_MAX;
  if (first && iolist_measure(first, last, &room) < 0) return -1;
  ssize_t size;
  std::uint8_t head[kMaxTermBytes];
  if (!first) {
    // Skipped: the first bytes still go to our buffer to be compared.
    dill_iolist skip{nullptr, SIZE_MAX, nullptr, 0};
    dill_iolist ours{head, n, &skip, 0};
    size = dill_mrecvl(self->u, &ours, &skip, deadline);
  } else if (room >= n) {
    // The message lands in the caller's list; its first bytes tell whether
    // it was the terminal one.
    size = dill_mrecvl(self->u, first, last, deadline);
    if (size >= 0 && static_cast<std::size_t>(size) == n) iolist_read(first, 0, head, n);
  } else {
    // A list too short to hold the terminal message: received into our
    // buffer, then copied if it was data that fits the list.
    dill_iolist ours{head, n, nullptr, 0};
    size = dill_mrecvl(self->u, &ours, &ours, deadline);
    if (size >= 0 && static_cast<std::size_t>(size) > room &&
        !(static_cast<std::size_t>(size) == n && std::memcmp(head, self->term, n) == 0))
      return fail_with(EMSGSIZE);
    if (size >= 0) iolist_write(first, 0, head, std::min(static_cast<std::size_t>(size), room));
  }
  if (size < 0) return -1;
  if (static_cast<std::size_t>(size) == n && std::memcmp(head, self->term, n) == 0) {
    self->in_done = true;
    errno = EPIPE;
    return -1;
  }
  return size;
}

int send_terminal(TermSock* self, std::int64_t deadline) noexcept {
  if (self->out_done) return fail_with(EPIPE);
  if (dill_msend(self->u, self->term, self->term_bytes, deadline) < 0) return -1;
  self->out_done = true;
  return 0;
}

int attach_term(int s, const void* buf, size_t len, void* mem) {
  if (len > kMaxTermBytes || (len > 0 && !buf)) return fail_closing(s, EINVAL);
  int u = take_over(s, dill_msock_type);
  if (u < 0) return -1;
  return make_handle<TermSock>(mem, u, [&](TermSock* self) {
    self->mvfs.msendl = &term_msendl;
    self->mvfs.mrecvl = &term_mrecvl;
    self->term_bytes = static_cast<std::uint8_t>(len);
    if (len > 0) std::memcpy(self->term, buf, len);
  });
}

}  // namespace
}  // namespace canopy::net::proto

using namespace canopy::net::proto;

extern "C" {

DILL_EXPORT int dill_term_attach_mem(int s, const void* buf, size_t len,
                                     struct dill_term_storage* mem) {
  if (!mem) return fail_closing(s, EINVAL);
  return attach_term(s, buf, len, mem);
}

DILL_EXPORT int dill_term_attach(int s, const void* buf, size_t len) {
  return attach_term(s, buf, len, nullptr);
}

DILL_EXPORT int dill_term_done(int s, int64_t deadline) {
  TermSock* self = find<TermSock>(s);
  if (!self) return -1;
  return send_terminal(self, deadline);
}

DILL_EXPORT int dill_term_detach(int s, int64_t deadline) {
  TermSock* self = find<TermSock>(s);
  if (!self) return -1;
  if (!self->out_done && send_terminal(self, deadline) < 0) return fail_detach(s);
  for (std::size_t dropped = 0; !self->in_done; ++dropped) {
    if (dropped == kMaxDrainedMessages) {
      errno = EPROTO;
      return fail_detach(s);
    }
    if (term_mrecvl(&self->mvfs, nullptr, nullptr, deadline) < 0 && !self->in_done)
      return fail_detach(s);
  }
  return hand_back(s, self);
}

}  // extern "C"
