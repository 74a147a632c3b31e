// Each socket call through the seam or, on the real platform, the kernel.
#include "system.hpp"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <libdill.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "canopy/runtime/sockets.hpp"
#include "resolver.hpp"

namespace canopy::net::sys {

namespace {
runtime::Sockets* seam() { return runtime::platform_sockets(); }
}  // namespace

int socket(int domain, int type, int protocol) {
  if (auto* s = seam()) return s->socket(domain, type, protocol);
  return ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
}

int socketpair(int domain, int type, int protocol, int fds[2]) {
  if (auto* s = seam()) return s->socketpair(domain, type, protocol, fds);
  return ::socketpair(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol, fds);
}

int bind(int fd, const sockaddr* address, socklen_t address_bytes) {
  if (auto* s = seam()) return s->bind(fd, address, address_bytes);
  return ::bind(fd, address, address_bytes);
}

int listen(int fd, int backlog) {
  if (auto* s = seam()) return s->listen(fd, backlog);
  return ::listen(fd, backlog);
}

int accept(int fd, sockaddr* address, socklen_t* address_bytes) {
  if (auto* s = seam()) return s->accept(fd, address, address_bytes);
  return ::accept4(fd, address, address_bytes, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int connect(int fd, const sockaddr* address, socklen_t address_bytes) {
  if (auto* s = seam()) return s->connect(fd, address, address_bytes);
  return ::connect(fd, address, address_bytes);
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* value_bytes) {
  if (auto* s = seam()) return s->getsockopt(fd, level, name, value, value_bytes);
  return ::getsockopt(fd, level, name, value, value_bytes);
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t value_bytes) {
  if (auto* s = seam()) return s->setsockopt(fd, level, name, value, value_bytes);
  return ::setsockopt(fd, level, name, value, value_bytes);
}

int getsockname(int fd, sockaddr* address, socklen_t* address_bytes) {
  if (auto* s = seam()) return s->getsockname(fd, address, address_bytes);
  return ::getsockname(fd, address, address_bytes);
}

int getpeername(int fd, sockaddr* address, socklen_t* address_bytes) {
  if (auto* s = seam()) return s->getpeername(fd, address, address_bytes);
  return ::getpeername(fd, address, address_bytes);
}

ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  if (auto* s = seam()) return s->sendmsg(fd, message, flags);
  return ::sendmsg(fd, message, flags | MSG_NOSIGNAL);
}

ssize_t recvmsg(int fd, msghdr* message, int flags) {
  if (auto* s = seam()) return s->recvmsg(fd, message, flags);
  return ::recvmsg(fd, message, flags);
}

ssize_t send(int fd, const void* bytes, std::size_t length) {
  if (auto* s = seam()) {
    iovec piece{const_cast<void*>(bytes), length};
    msghdr message{};
    message.msg_iov = &piece;
    message.msg_iovlen = 1;
    return s->sendmsg(fd, &message, 0);
  }
  return ::send(fd, bytes, length, MSG_NOSIGNAL);
}

ssize_t recv(int fd, void* bytes, std::size_t length) {
  if (auto* s = seam()) {
    iovec piece{bytes, length};
    msghdr message{};
    message.msg_iov = &piece;
    message.msg_iovlen = 1;
    return s->recvmsg(fd, &message, 0);
  }
  return ::recv(fd, bytes, length, 0);
}

bool on_kernel() { return seam() == nullptr; }

int shutdown(int fd, int how) {
  if (auto* s = seam()) return s->shutdown(fd, how);
  return ::shutdown(fd, how);
}

void close(int fd) {
  int saved = errno;
  fdclean(fd);
  if (auto* s = seam()) s->close(fd);
  else ::close(fd);
  errno = saved;
}

int adopt(int fd) {
  if (seam()) return 0;
  int status = ::fcntl(fd, F_GETFL);
  if (status < 0) return -1;
  if (::fcntl(fd, F_SETFL, status | O_NONBLOCK) < 0) return -1;
  int descriptor = ::fcntl(fd, F_GETFD);
  if (descriptor < 0) return -1;
  return ::fcntl(fd, F_SETFD, descriptor | FD_CLOEXEC);
}

int resolve(const char* name, int family, sockaddr_storage* out, int max,
            std::int64_t deadline_ms) {
  if (auto* s = seam()) return s->resolve(name, family, out, max, deadline_ms);
  return resolve_on_worker(name, family, out, max, deadline_ms);
}

int interface_address(const char* name, int family, sockaddr_storage* out) {
  if (auto* s = seam()) return s->interface_address(name, family, out);
  ifaddrs* all = nullptr;
  if (getifaddrs(&all) != 0) return -1;
  bool found_interface = false;
  int result = -1;
  for (ifaddrs* it = all; it != nullptr; it = it->ifa_next) {
    if (std::strcmp(it->ifa_name, name) != 0) continue;
    found_interface = true;
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != family) continue;
    std::size_t bytes = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    std::memset(out, 0, sizeof *out);
    std::memcpy(out, it->ifa_addr, bytes);
    reinterpret_cast<sockaddr_in*>(out)->sin_port = 0;  // the same place in sockaddr_in6
    result = 0;
    break;
  }
  freeifaddrs(all);
  if (result != 0) errno = found_interface ? EADDRNOTAVAIL : ENODEV;
  return result;
}

int random_bytes(void* out, std::size_t bytes) {
  if (auto* s = seam()) return s->random_bytes(out, bytes);
  auto* p = static_cast<unsigned char*>(out);
  while (bytes > 0) {
    ssize_t got = getrandom(p, bytes, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += got;
    bytes -= static_cast<std::size_t>(got);
  }
  return 0;
}

}  // namespace canopy::net::sys

extern "C" int canopy_net_simulated(void) { return canopy::runtime::platform_sockets() != nullptr ? 1 : 0; }
