// TCP: listeners and connections over IPv4 and IPv6.
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cerrno>

#include "address.hpp"
#include "connection.hpp"
#include "system.hpp"

namespace canopy::net {
namespace {

const char tcp_connection_id = 0;
const char tcp_listener_id = 0;
const void* const tcp_connection = &tcp_connection_id;
const void* const tcp_listener = &tcp_listener_id;

static_assert(sizeof(Connection) <= sizeof(dill_tcp_storage), "tcp_storage holds a connection");
static_assert(alignof(Connection) <= alignof(dill_tcp_storage));
static_assert(sizeof(Listener) <= sizeof(dill_tcp_listener_storage),
              "tcp_listener_storage holds a listener");
static_assert(alignof(Listener) <= alignof(dill_tcp_listener_storage));

bool is_ip(const dill_ipaddr* addr) {
  int family = dill_ipaddr_family(addr);
  return family == AF_INET || family == AF_INET6;
}

/// Small messages go out at once: libdill's users write request/response
/// protocols, where Nagle's delay would add latency to every exchange.
void tune(int fd) {
  int one = 1;
  sys::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int listen_on(dill_ipaddr* addr, int backlog, void* mem) {
  if (!addr || !is_ip(addr) || backlog < 0) return errno = EINVAL, -1;
  int fd = sys::socket(dill_ipaddr_family(addr), SOCK_STREAM, 0);
  if (fd < 0) return -1;
  // A restarted server may bind its port again while old connections to it
  // are in TIME_WAIT.
  int one = 1;
  sys::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (sys::bind(fd, dill_ipaddr_sockaddr(addr), dill_ipaddr_len(addr)) != 0 ||
      sys::listen(fd, backlog) != 0) {
    sys::close(fd);
    return -1;
  }
  if (dill_ipaddr_port(addr) == 0) {
    // Port 0: tell the caller which one the kernel chose.
    sockaddr_storage bound{};
    socklen_t bytes = sizeof bound;
    if (sys::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bytes) == 0) {
      dill_ipaddr chosen;
      if (address_from(chosen, reinterpret_cast<sockaddr*>(&bound), bytes))
        dill_ipaddr_setport(addr, dill_ipaddr_port(&chosen));
    }
  }
  return make_listener(fd, tcp_listener, mem);
}

int accept_on(int s, dill_ipaddr* addr, void* mem, std::int64_t deadline) {
  auto* l = static_cast<Listener*>(hquery(s, tcp_listener));
  if (!l) return -1;
  sockaddr_storage peer{};
  socklen_t bytes = sizeof peer;
  int fd = accept_next(l->fd, reinterpret_cast<sockaddr*>(&peer), &bytes, deadline);
  if (fd < 0) return -1;
  if (addr) address_from(*addr, reinterpret_cast<sockaddr*>(&peer), bytes);
  tune(fd);
  return make_connection(fd, tcp_connection, true, false, mem);
}

int connect_to(const dill_ipaddr* addr, void* mem, std::int64_t deadline) {
  if (!addr || !is_ip(addr)) return errno = EINVAL, -1;
  int fd = sys::socket(dill_ipaddr_family(addr), SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect_and_wait(fd, dill_ipaddr_sockaddr(addr), dill_ipaddr_len(addr), deadline) != 0) {
    sys::close(fd);
    return -1;
  }
  tune(fd);
  return make_connection(fd, tcp_connection, true, false, mem);
}

}  // namespace
}  // namespace canopy::net

using namespace canopy::net;

extern "C" {

int dill_tcp_listen(struct dill_ipaddr* addr, int backlog) {
  return listen_on(addr, backlog, nullptr);
}
int dill_tcp_listen_mem(struct dill_ipaddr* addr, int backlog,
                        struct dill_tcp_listener_storage* mem) {
  if (!mem) return errno = EINVAL, -1;
  return listen_on(addr, backlog, mem);
}
int dill_tcp_accept(int s, struct dill_ipaddr* addr, int64_t deadline) {
  return accept_on(s, addr, nullptr, deadline);
}
int dill_tcp_accept_mem(int s, struct dill_ipaddr* addr, struct dill_tcp_storage* mem,
                        int64_t deadline) {
  if (!mem) return errno = EINVAL, -1;
  return accept_on(s, addr, mem, deadline);
}
int dill_tcp_connect(const struct dill_ipaddr* addr, int64_t deadline) {
  return connect_to(addr, nullptr, deadline);
}
int dill_tcp_connect_mem(const struct dill_ipaddr* addr, struct dill_tcp_storage* mem,
                         int64_t deadline) {
  if (!mem) return errno = EINVAL, -1;
  return connect_to(addr, mem, deadline);
}
int dill_tcp_done(int s, int64_t /*deadline: shutdown(2) does not wait*/) {
  return finish_sending(s, tcp_connection);
}
int dill_tcp_close(int s, int64_t deadline) {
  return close_gracefully(s, tcp_connection, deadline);
}
int dill_tcp_listener_fromfd(int fd) { return dill_tcp_listener_fromfd_mem(fd, nullptr); }
int dill_tcp_listener_fromfd_mem(int fd, struct dill_tcp_listener_storage* mem) {
  if (adopt_stream_socket(fd, AF_INET, true) != 0) return -1;
  int h = make_handle<Listener>(mem, nullptr, fd, tcp_listener);
  return h;  // on failure the caller keeps `fd`
}
int dill_tcp_fromfd(int fd) { return dill_tcp_fromfd_mem(fd, nullptr); }
int dill_tcp_fromfd_mem(int fd, struct dill_tcp_storage* mem) {
  if (adopt_stream_socket(fd, AF_INET, false) != 0) return -1;
  return make_handle<Connection>(mem, nullptr, fd, tcp_connection, true, false);
}

}  // extern "C"
