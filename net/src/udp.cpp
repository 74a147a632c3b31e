// UDP: one message per datagram. Sending never blocks (a datagram the
// kernel has no room for is lost, as on any network); receiving waits.
#include <cerrno>
#include <cstring>

#include "address.hpp"
#include "handle.hpp"
#include "iolist.hpp"
#include "system.hpp"

namespace canopy::net {
namespace {

const char udp_socket_id = 0;

/// iovecs one datagram may be gathered from or scattered into.
constexpr int max_datagram_pieces = 64;

struct UdpSocket {
  dill_hvfs vfs_table;                  // the handle table's view: query, close
  dill_msock_vfs mvfs;             // what msend/mrecv call
  dill_ipaddr remote;              // where msend goes, the only sender mrecv accepts
  int fd;                          // the datagram socket
  bool has_remote;                 // false: msend is EINVAL, mrecv takes anyone's
  bool receiving = false;          // a receive is under way (another one: EBUSY)
  bool in_user_memory = false;     // built in a `_mem` storage: not freed
  UdpSocket(int fd, const dill_ipaddr* remote);
};
static_assert(sizeof(UdpSocket) <= sizeof(dill_udp_storage), "udp_storage holds a socket");
static_assert(alignof(UdpSocket) <= alignof(dill_udp_storage));

UdpSocket* from_mvfs(dill_msock_vfs* vfs) {
  return owner_of<UdpSocket>(vfs, offsetof(UdpSocket, mvfs));
}

/// The list as iovecs: how many, or -1 with EINVAL (too many pieces).
int to_iovecs(dill_iolist* first, iovec* out) {
  int n = 0;
  for (dill_iolist* it = first; it; it = it->iol_next) {
    if (n == max_datagram_pieces) return errno = EINVAL, -1;
    out[n++] = {it->iol_base, it->iol_len};
  }
  return n;
}

int send_datagram(UdpSocket* u, const dill_ipaddr* to, dill_iolist* first, dill_iolist* last) {
  std::size_t bytes;
  if (!check_iolist(first, last, true, bytes)) return -1;
  if (!to) {
    if (!u->has_remote) return errno = EINVAL, -1;
    to = &u->remote;
  }
  iovec pieces[max_datagram_pieces];
  msghdr message{};
  message.msg_name = const_cast<sockaddr*>(dill_ipaddr_sockaddr(to));
  message.msg_namelen = dill_ipaddr_len(to);
  message.msg_iov = pieces;
  int n = to_iovecs(first, pieces);
  if (n < 0) return -1;
  message.msg_iovlen = n;
  for (;;) {
    ssize_t sent = sys::sendmsg(u->fd, &message, 0);
    if (sent >= 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

ssize_t recv_datagram(UdpSocket* u, dill_ipaddr* from, dill_iolist* first, dill_iolist* last,
                      std::int64_t deadline) {
  std::size_t bytes;
  if (!check_iolist(first, last, false, bytes)) return -1;
  if (u->receiving) return errno = EBUSY, -1;
  iovec pieces[max_datagram_pieces];
  int n = to_iovecs(first, pieces);
  if (n < 0) return -1;
  // A piece without a base drops its bytes: scatter them into a scratch.
  static thread_local unsigned char scratch[65536];
  for (int i = 0; i != n; ++i)
    if (!pieces[i].iov_base) pieces[i] = {scratch, pieces[i].iov_len < sizeof scratch
                                                       ? pieces[i].iov_len
                                                       : sizeof scratch};
  u->receiving = true;
  for (;;) {
    sockaddr_storage sender{};
    msghdr message{};
    message.msg_name = &sender;
    message.msg_namelen = sizeof sender;
    message.msg_iov = pieces;
    message.msg_iovlen = n;
    ssize_t got = sys::recvmsg(u->fd, &message, 0);
    if (got >= 0) {
      dill_ipaddr source;
      bool ip = address_from(source, reinterpret_cast<sockaddr*>(&sender), message.msg_namelen);
      // With a remote, datagrams from anyone else are not this socket's.
      if (u->has_remote && (!ip || !dill_ipaddr_equal(&source, &u->remote, 0))) continue;
      if (from) *from = source;
      u->receiving = false;
      return got;
    }
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && fdin(u->fd, deadline) == 0) continue;
    u->receiving = false;
    return -1;
  }
}

void* udp_query(dill_hvfs* vfs, const void* type) {
  auto* u = owner_of<UdpSocket>(vfs, offsetof(UdpSocket, vfs_table));
  if (type == dill_msock_type) return &u->mvfs;
  if (type == &udp_socket_id) return u;
  errno = ENOTSUP;
  return nullptr;
}

void udp_close(dill_hvfs* vfs) {
  auto* u = owner_of<UdpSocket>(vfs, offsetof(UdpSocket, vfs_table));
  sys::close(u->fd);
  destroy(u);
}

int udp_msendl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last, std::int64_t) {
  return send_datagram(from_mvfs(vfs), nullptr, first, last);
}

ssize_t udp_mrecvl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last,
                   std::int64_t deadline) {
  return recv_datagram(from_mvfs(vfs), nullptr, first, last, deadline);
}

UdpSocket::UdpSocket(int socket_fd, const dill_ipaddr* to)
    : vfs_table{}, mvfs{}, remote{}, fd(socket_fd), has_remote(to != nullptr) {
  vfs_table.query = udp_query;
  vfs_table.close = udp_close;
  mvfs.msendl = udp_msendl;
  mvfs.mrecvl = udp_mrecvl;
  if (to) remote = *to;
}

int open_udp(dill_ipaddr* local, const dill_ipaddr* remote, void* mem) {
  if (!local && !remote) return errno = EINVAL, -1;
  int family = dill_ipaddr_family(local ? local : remote);
  if ((family != AF_INET && family != AF_INET6) ||
      (local && remote && dill_ipaddr_family(remote) != family))
    return errno = EINVAL, -1;
  int fd = sys::socket(family, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  if (local) {
    if (sys::bind(fd, dill_ipaddr_sockaddr(local), dill_ipaddr_len(local)) != 0) {
      sys::close(fd);
      return -1;
    }
    if (dill_ipaddr_port(local) == 0) {
      sockaddr_storage bound{};
      socklen_t bytes = sizeof bound;
      dill_ipaddr chosen;
      if (sys::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bytes) == 0 &&
          address_from(chosen, reinterpret_cast<sockaddr*>(&bound), bytes))
        dill_ipaddr_setport(local, dill_ipaddr_port(&chosen));
    }
  }
  int h = make_handle<UdpSocket>(mem, nullptr, fd, remote);
  if (h < 0) sys::close(fd);
  return h;
}

UdpSocket* udp_of(int s) { return static_cast<UdpSocket*>(hquery(s, &udp_socket_id)); }

}  // namespace
}  // namespace canopy::net

using namespace canopy::net;

extern "C" {

int dill_udp_open(struct dill_ipaddr* local, const struct dill_ipaddr* remote) {
  return open_udp(local, remote, nullptr);
}
int dill_udp_open_mem(struct dill_ipaddr* local, const struct dill_ipaddr* remote,
                      struct dill_udp_storage* mem) {
  if (!mem) return errno = EINVAL, -1;
  return open_udp(local, remote, mem);
}
int dill_udp_sendl(int s, const struct dill_ipaddr* addr, struct dill_iolist* first,
                   struct dill_iolist* last) {
  UdpSocket* u = udp_of(s);
  if (!u) return -1;
  return send_datagram(u, addr, first, last);
}
ssize_t dill_udp_recvl(int s, struct dill_ipaddr* addr, struct dill_iolist* first,
                       struct dill_iolist* last, int64_t deadline) {
  UdpSocket* u = udp_of(s);
  if (!u) return -1;
  return recv_datagram(u, addr, first, last, deadline);
}
int dill_udp_send(int s, const struct dill_ipaddr* addr, const void* buf, size_t len) {
  if (!buf && len) return errno = EINVAL, -1;
  dill_iolist piece{const_cast<void*>(buf), len, nullptr, 0};
  return dill_udp_sendl(s, addr, &piece, &piece);
}
ssize_t dill_udp_recv(int s, struct dill_ipaddr* addr, void* buf, size_t len,
                      int64_t deadline) {
  dill_iolist piece{buf, len, nullptr, 0};
  return dill_udp_recvl(s, addr, &piece, &piece, deadline);
}

}  // extern "C"
