#include "connection.hpp"

#include <cerrno>
#include <cstddef>

#include "system.hpp"

namespace canopy::net {

namespace {

void* connection_query(dill_hvfs* vfs, const void* type) {
  auto* c = owner_of<Connection>(vfs, offsetof(Connection, vfs_table));
  if (type == dill_bsock_type) return &c->bvfs;
  if (type == c->kind) return c;
  errno = ENOTSUP;
  return nullptr;
}

void connection_close(dill_hvfs* vfs) {
  auto* c = owner_of<Connection>(vfs, offsetof(Connection, vfs_table));
  c->stream.close_now();
  destroy(c);
}

int connection_bsendl(dill_bsock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                      std::int64_t deadline) {
  return owner_of<Connection>(vfs, offsetof(Connection, bvfs))->stream.send(first, last, deadline);
}

int connection_brecvl(dill_bsock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                      std::int64_t deadline) {
  return owner_of<Connection>(vfs, offsetof(Connection, bvfs))->stream.recv(first, last, deadline);
}

void* listener_query(dill_hvfs* vfs, const void* type) {
  auto* l = owner_of<Listener>(vfs, offsetof(Listener, vfs_table));
  if (type == l->kind) return l;
  errno = ENOTSUP;
  return nullptr;
}

void listener_close(dill_hvfs* vfs) {
  auto* l = owner_of<Listener>(vfs, offsetof(Listener, vfs_table));
  sys::close(l->fd);
  destroy(l);
}

}  // namespace

Connection::Connection(int fd, const void* kind_id, bool reads_ahead, bool carries_fds)
    : vfs_table{}, bvfs{}, kind(kind_id) {
  vfs_table.query = connection_query;
  vfs_table.close = connection_close;
  bvfs.bsendl = connection_bsendl;
  bvfs.brecvl = connection_brecvl;
  stream.fd = fd;
  stream.reads_ahead = reads_ahead;
  stream.carries_fds = carries_fds;
}

Listener::Listener(int listening_fd, const void* kind_id)
    : vfs_table{}, kind(kind_id), fd(listening_fd) {
  vfs_table.query = listener_query;
  vfs_table.close = listener_close;
}

int make_connection(int fd, const void* kind, bool reads_ahead, bool carries_fds, void* mem) {
  int h = make_handle<Connection>(mem, nullptr, fd, kind, reads_ahead, carries_fds);
  if (h < 0) sys::close(fd);
  return h;
}

int make_listener(int fd, const void* kind, void* mem) {
  int h = make_handle<Listener>(mem, nullptr, fd, kind);
  if (h < 0) sys::close(fd);
  return h;
}

Connection* connection_of(int s, const void* kind) {
  return static_cast<Connection*>(hquery(s, kind));
}

int accept_next(int listener_fd, sockaddr* peer, socklen_t* peer_bytes, std::int64_t deadline) {
  for (;;) {
    socklen_t bytes = peer_bytes ? *peer_bytes : 0;
    int fd = sys::accept(listener_fd, peer, peer_bytes ? &bytes : nullptr);
    if (fd >= 0) {
      if (peer_bytes) *peer_bytes = bytes;
      return fd;
    }
    // A connection that was reset before it was taken is not this
    // listener's failure: wait for the next one.
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (fdin(listener_fd, deadline) != 0) return -1;
  }
}

int connect_and_wait(int fd, const sockaddr* address, socklen_t address_bytes,
                     std::int64_t deadline) {
  if (sys::connect(fd, address, address_bytes) == 0) return 0;
  if (errno != EINPROGRESS && errno != EAGAIN && errno != EINTR) return -1;
  if (fdout(fd, deadline) != 0) return -1;
  int err = 0;
  socklen_t err_bytes = sizeof err;
  if (sys::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_bytes) != 0) return -1;
  if (err != 0) return errno = err, -1;
  return 0;
}

int adopt_stream_socket(int fd, int family, bool listening) {
  if (fd < 0) return errno = EBADF, -1;
  int type = 0, accepting = 0;
  socklen_t bytes = sizeof type;
  if (sys::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &bytes) != 0) return -1;
  bytes = sizeof accepting;
  if (sys::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &bytes) != 0) return -1;
  sockaddr_storage local{};
  socklen_t local_bytes = sizeof local;
  if (sys::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_bytes) != 0) return -1;
  bool same_family = family == AF_INET
                         ? local.ss_family == AF_INET || local.ss_family == AF_INET6
                         : local.ss_family == family;
  if (type != SOCK_STREAM || !same_family || (accepting != 0) != listening)
    return errno = EINVAL, -1;
  return sys::adopt(fd);
}

int close_gracefully(int s, const void* kind, std::int64_t deadline) {
  Connection* c = connection_of(s, kind);
  if (!c) return -1;
  int rc = c->stream.finish(deadline);
  int err = errno;
  hclose(s);
  errno = err;
  return rc;
}

int finish_sending(int s, const void* kind) {
  Connection* c = connection_of(s, kind);
  if (!c) return -1;
  return c->stream.done();
}

}  // namespace canopy::net
