// IPC: UNIX-domain stream sockets, named by a filesystem path, and pairs.
// Their bytes are never read ahead, so that a descriptor sent with
// ipc_sendfd stays with the byte that carries it until ipc_recvfd takes it.
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "connection.hpp"
#include "system.hpp"

namespace canopy::net {
namespace {

const char ipc_connection_id = 0;
const char ipc_listener_id = 0;
const void* const ipc_connection = &ipc_connection_id;
const void* const ipc_listener = &ipc_listener_id;

static_assert(sizeof(Connection) <= sizeof(dill_ipc_storage), "ipc_storage holds a connection");
static_assert(alignof(Connection) <= alignof(dill_ipc_storage));
static_assert(2 * sizeof(Connection) <= sizeof(dill_ipc_pair_storage),
              "ipc_pair_storage holds two connections");
static_assert(sizeof(dill_ipc_pair_storage) / 2 % alignof(Connection) == 0,
              "the second connection of a pair is aligned");
static_assert(sizeof(Listener) <= sizeof(dill_ipc_listener_storage),
              "ipc_listener_storage holds a listener");
static_assert(alignof(Listener) <= alignof(dill_ipc_listener_storage));

/// The sockaddr_un for `path`: false with EINVAL (null) or ENAMETOOLONG.
bool path_address(const char* path, sockaddr_un& out) {
  if (!path) return errno = EINVAL, false;
  std::size_t length = std::strlen(path);
  if (length == 0) return errno = EINVAL, false;
  if (length >= sizeof out.sun_path) return errno = ENAMETOOLONG, false;
  std::memset(&out, 0, sizeof out);
  out.sun_family = AF_UNIX;
  std::memcpy(out.sun_path, path, length + 1);
  return true;
}

int open_connection(int fd, void* mem) {
  return make_connection(fd, ipc_connection, false, true, mem);
}

int listen_on(const char* path, int backlog, void* mem) {
  sockaddr_un address;
  if (backlog < 0) return errno = EINVAL, -1;
  if (!path_address(path, address)) return -1;
  int fd = sys::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (sys::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      sys::listen(fd, backlog) != 0) {
    sys::close(fd);
    return -1;
  }
  return make_listener(fd, ipc_listener, mem);
}

int accept_on(int s, void* mem, std::int64_t deadline) {
  auto* l = static_cast<Listener*>(hquery(s, ipc_listener));
  if (!l) return -1;
  int fd = accept_next(l->fd, nullptr, nullptr, deadline);
  if (fd < 0) return -1;
  return open_connection(fd, mem);
}

int connect_to(const char* path, void* mem, std::int64_t deadline) {
  sockaddr_un address;
  if (!path_address(path, address)) return -1;
  int fd = sys::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect_and_wait(fd, reinterpret_cast<sockaddr*>(&address), sizeof address, deadline) != 0) {
    sys::close(fd);
    return -1;
  }
  return open_connection(fd, mem);
}

int pair(void* first_mem, void* second_mem, int s[2]) {
  if (!s) return errno = EINVAL, -1;
  int fds[2];
  if (sys::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return -1;
  int a = open_connection(fds[0], first_mem);
  if (a < 0) {
    sys::close(fds[1]);
    return -1;
  }
  int b = open_connection(fds[1], second_mem);
  if (b < 0) {
    int err = errno;
    hclose(a);
    return errno = err, -1;
  }
  s[0] = a;
  s[1] = b;
  return 0;
}

}  // namespace
}  // namespace canopy::net

using namespace canopy::net;

extern "C" {

int dill_ipc_listen(const char* addr, int backlog) { return listen_on(addr, backlog, nullptr); }
int dill_ipc_listen_mem(const char* addr, int backlog, struct dill_ipc_listener_storage* mem) {
  if (!mem) return errno = EINVAL, -1;
  return listen_on(addr, backlog, mem);
}
int dill_ipc_accept(int s, int64_t deadline) { return accept_on(s, nullptr, deadline); }
int dill_ipc_accept_mem(int s, struct dill_ipc_storage* mem, int64_t deadline) {
  if (!mem) return errno = EINVAL, -1;
  return accept_on(s, mem, deadline);
}
int dill_ipc_connect(const char* addr, int64_t deadline) {
  return connect_to(addr, nullptr, deadline);
}
int dill_ipc_connect_mem(const char* addr, struct dill_ipc_storage* mem, int64_t deadline) {
  if (!mem) return errno = EINVAL, -1;
  return connect_to(addr, mem, deadline);
}
int dill_ipc_sendfd(int s, int fd, int64_t deadline) {
  Connection* c = connection_of(s, ipc_connection);
  if (!c) return -1;
  return c->stream.send_fd(fd, deadline);
}
int dill_ipc_recvfd(int s, int64_t deadline) {
  Connection* c = connection_of(s, ipc_connection);
  if (!c) return -1;
  return c->stream.recv_fd(deadline);
}
int dill_ipc_done(int s, int64_t /*deadline: shutdown(2) does not wait*/) {
  return finish_sending(s, ipc_connection);
}
int dill_ipc_close(int s, int64_t deadline) {
  return close_gracefully(s, ipc_connection, deadline);
}
int dill_ipc_listener_fromfd(int fd) { return dill_ipc_listener_fromfd_mem(fd, nullptr); }
int dill_ipc_listener_fromfd_mem(int fd, struct dill_ipc_listener_storage* mem) {
  if (adopt_stream_socket(fd, AF_UNIX, true) != 0) return -1;
  return make_handle<Listener>(mem, nullptr, fd, ipc_listener);
}
int dill_ipc_fromfd(int fd) { return dill_ipc_fromfd_mem(fd, nullptr); }
int dill_ipc_fromfd_mem(int fd, struct dill_ipc_storage* mem) {
  if (adopt_stream_socket(fd, AF_UNIX, false) != 0) return -1;
  return make_handle<Connection>(mem, nullptr, fd, ipc_connection, false, true);
}
int dill_ipc_pair(int s[2]) { return pair(nullptr, nullptr, s); }
int dill_ipc_pair_mem(struct dill_ipc_pair_storage* mem, int s[2]) {
  if (!mem) return errno = EINVAL, -1;
  return pair(mem->_, mem->_ + sizeof(dill_ipc_pair_storage) / 2, s);
}

}  // extern "C"
