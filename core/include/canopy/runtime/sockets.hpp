// The socket calls the network layer makes, as one seam.
//
// `net/` (TCP, IPC, UDP and the protocols above them) never calls socket(2),
// connect(2), sendmsg(2) and the rest directly: it calls them through the
// Sockets of the platform its thread's scheduler runs on. The real runtime
// leaves the seam empty and `net/` uses the kernel; a simulation fills it
// with an in-memory network whose latency, piecewise delivery, buffer limits
// and faults come from the seed, so a simulated run never touches the host
// network. Waiting is not part of the seam: a descriptor handed out here is
// waited on with fdin/fdout like any other, and the platform's poller knows
// the descriptors its own Sockets made.
//
// Every call has the contract of the POSIX call it is named after: a result
// >= 0, or -1 with errno set. Every descriptor is non-blocking: a call that
// would block fails with EAGAIN (connect: EINPROGRESS, the outcome then read
// with getsockopt(SO_ERROR) once the descriptor is writable).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace canopy::runtime {

class Sockets {
 public:
  virtual ~Sockets() = default;

  /// A new non-blocking, close-on-exec socket (`type` without the flags).
  virtual int socket(int domain, int type, int protocol) = 0;
  /// Two connected non-blocking sockets (AF_UNIX).
  virtual int socketpair(int domain, int type, int protocol, int fds[2]) = 0;
  virtual int bind(int fd, const sockaddr* address, socklen_t address_bytes) = 0;
  virtual int listen(int fd, int backlog) = 0;
  /// A pending connection as a new non-blocking socket, or EAGAIN.
  virtual int accept(int fd, sockaddr* address, socklen_t* address_bytes) = 0;
  /// Starts connecting: 0 (done at once) or -1 with EINPROGRESS.
  virtual int connect(int fd, const sockaddr* address, socklen_t address_bytes) = 0;
  virtual int getsockopt(int fd, int level, int name, void* value, socklen_t* value_bytes) = 0;
  virtual int setsockopt(int fd, int level, int name, const void* value,
                         socklen_t value_bytes) = 0;
  virtual int getsockname(int fd, sockaddr* address, socklen_t* address_bytes) = 0;
  virtual int getpeername(int fd, sockaddr* address, socklen_t* address_bytes) = 0;
  /// As sendmsg(2); MSG_NOSIGNAL is implied (EPIPE, never SIGPIPE).
  virtual ssize_t sendmsg(int fd, const msghdr* message, int flags) = 0;
  virtual ssize_t recvmsg(int fd, msghdr* message, int flags) = 0;
  virtual int shutdown(int fd, int how) = 0;
  /// Closes a descriptor this seam made (fdclean it first).
  virtual int close(int fd) = 0;
  /// Resolves a host name (never a literal address: the caller parses
  /// those) into at most `max` addresses of `family` (AF_INET, AF_INET6, or
  /// AF_UNSPEC for both), port 0, written to `out`. Returns how many, or -1
  /// with errno: EADDRNOTAVAIL (no such name), ETIMEDOUT at `deadline_ms`,
  /// ECANCELED. Blocks only the calling coroutine, never the thread.
  virtual int resolve(const char* name, int family, sockaddr_storage* out, int max,
                      std::int64_t deadline_ms) = 0;
  /// The first address of `family` (AF_INET or AF_INET6) that the network
  /// interface `name` has, port 0, written to `out`. 0, or -1 with errno
  /// ENODEV (no such interface) or EADDRNOTAVAIL (none of that family).
  virtual int interface_address(const char* name, int family, sockaddr_storage* out) = 0;
  /// Fills `out` with `bytes` unpredictable bytes, for protocols that need
  /// them (websocket masks and handshake keys); a simulation draws them from
  /// its seed. 0, or -1 with errno.
  virtual int random_bytes(void* out, std::size_t bytes) = 0;
};

/// The Sockets of the platform this thread's scheduler runs on, or null on
/// the real platform (the network layer then uses the kernel's calls).
Sockets* platform_sockets();

}  // namespace canopy::runtime
