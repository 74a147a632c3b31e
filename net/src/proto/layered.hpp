// What every protocol layered on another socket shares: where its object
// lives (the caller's storage or the heap), taking over the socket below,
// the handle's query and close, and handing the socket back on detach.
#pragma once

#define DILL_DISABLE_RAW_NAMES
#include <libdillimpl.h>

#include <cerrno>
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace canopy::net::proto {

/// A protocol object: `Sock` derives from nothing, is standard-layout with
/// `dill_hvfs hvfs` as its first member, and has `int u` (the socket below,
/// -1 once handed back) and `bool heap` (allocated by the non-_mem form),
/// and optionally `dill_msock_vfs mvfs` / `dill_bsock_vfs bvfs`.

/// The type hquery answers with a `Sock` for: the address is the identity.
template <class Sock>
inline constexpr char kind_tag = 0;
template <class Sock>
constexpr const void* kind() noexcept {
  return &kind_tag<Sock>;
}

/// Sets errno, returns -1: the C edge's failure.
inline int fail_with(int err) noexcept {
  errno = err;
  return -1;
}
template <class Sock>
Sock* from_hvfs(dill_hvfs* vfs) noexcept {
  static_assert(std::is_standard_layout_v<Sock>, "protocol objects are C-compatible");
  static_assert(offsetof(Sock, hvfs) == 0, "hvfs comes first so that the handle's vfs is the object");
  return reinterpret_cast<Sock*>(vfs);
}

template <class Sock>
Sock* from_mvfs(dill_msock_vfs* vfs) noexcept {
  return reinterpret_cast<Sock*>(reinterpret_cast<char*>(vfs) - offsetof(Sock, mvfs));
}

template <class Sock>
Sock* from_bvfs(dill_bsock_vfs* vfs) noexcept {
  return reinterpret_cast<Sock*>(reinterpret_cast<char*>(vfs) - offsetof(Sock, bvfs));
}

template <class Sock>
concept has_mvfs = requires(Sock s) { s.mvfs; };
template <class Sock>
concept has_bvfs = requires(Sock s) { s.bvfs; };

template <class Sock>
void* query(dill_hvfs* vfs, const void* type) noexcept {
  Sock* self = from_hvfs<Sock>(vfs);
  if (type == kind<Sock>()) return self;
  if constexpr (has_mvfs<Sock>) {
    if (type == dill_msock_type) return &self->mvfs;
  }
  if constexpr (has_bvfs<Sock>) {
    if (type == dill_bsock_type) return &self->bvfs;
  }
  errno = ENOTSUP;
  return nullptr;
}

/// hclose of the protocol's handle: closes the socket below unless it was
/// handed back, then the object (in this order: the socket below may be a
/// protocol whose object lives inside this one, as HTTP's do).
template <class Sock>
void close(dill_hvfs* vfs) noexcept {
  Sock* self = from_hvfs<Sock>(vfs);
  if (self->u >= 0) dill_hclose(self->u);
  bool heap = self->heap;
  self->~Sock();
  if (heap) ::operator delete(self);
}

/// The protocol object of handle `h`, or null with errno (EBADF; ENOTSUP for
/// a handle of another kind).
template <class Sock>
Sock* find(int h) noexcept {
  return static_cast<Sock*>(dill_hquery(h, kind<Sock>()));
}

/// Fails a call on handle-less input: closes `s` (attach functions own the
/// socket they are given), sets errno, returns -1.
inline int fail_closing(int s, int err) noexcept {
  if (s >= 0) dill_hclose(s);
  errno = err;
  return -1;
}

/// Takes over socket `s`, checking it offers `below` (dill_bsock_type or
/// dill_msock_type; EPROTO if not). Returns the socket's new handle or -1
/// with errno, `s` closed either way on failure.
inline int take_over(int s, const void* below) noexcept {
  int owned = dill_hown(s);
  if (owned < 0) return -1;
  if (!dill_hquery(owned, below)) return fail_closing(owned, errno == ENOTSUP ? EPROTO : errno);
  return owned;
}

/// Places a protocol object in `mem` (or on the heap when null) over socket
/// `u` already taken over (or -1 when `make` attaches the layers below
/// itself), fills it in with `make(Sock*)` and makes its handle. `make`
/// returns nothing, or 0 / an errno value when it can fail. On failure
/// whatever the object holds is closed (`u` too) and errno says why.
template <class Sock, class Make>
int make_handle(void* mem, int u, Make&& make) noexcept {
  bool heap = mem == nullptr;
  if (heap) {
    mem = ::operator new(sizeof(Sock), std::nothrow);
    if (!mem) return fail_closing(u, ENOMEM);
  }
  Sock* self = new (mem) Sock{};
  self->hvfs.query = &query<Sock>;
  self->hvfs.close = &close<Sock>;
  self->u = u;
  self->heap = heap;
  int err = 0;
  if constexpr (std::is_void_v<decltype(make(self))>) {
    make(self);
  } else {
    err = make(self);
  }
  int h = err == 0 ? dill_hmake(&self->hvfs) : -1;
  if (h < 0) {
    if (err == 0) err = errno;
    close<Sock>(&self->hvfs);
    errno = err;
    return -1;
  }
  return h;
}

/// Detach: hands the socket below back and closes the protocol's handle.
template <class Sock>
int hand_back(int h, Sock* self) noexcept {
  int u = self->u;
  self->u = -1;
  dill_hclose(h);
  return u;
}

/// Detach that failed: the protocol's handle is closed with the socket
/// below, errno kept.
inline int fail_detach(int h) noexcept {
  int err = errno;
  dill_hclose(h);
  errno = err;
  return -1;
}

/// Detach of a framing protocol: hands the stream back only at a frame
/// boundary, else ECONNRESET (the stream closed with the protocol).
template <class Sock>
int detach_at_boundary(int h) noexcept {
  Sock* self = find<Sock>(h);
  if (!self) return -1;
  if (self->in_broken || self->out_broken) {
    errno = ECONNRESET;
    return fail_detach(h);
  }
  return hand_back(h, self);
}

/// Storage checks for the _mem forms: the object fits the public struct.
template <class Sock, class Storage>
constexpr bool fits_in = sizeof(Sock) <= sizeof(Storage) && alignof(Sock) <= alignof(Storage);

}  // namespace canopy::net::proto
