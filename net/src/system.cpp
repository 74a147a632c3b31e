// Each socket call through the seam or, on the real platform, the kernel.
#include "system.hpp"

#include <fcntl.h>
#include <libdill.h>
#include <unistd.h>

#include <cerrno>

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

}  // namespace canopy::net::sys
