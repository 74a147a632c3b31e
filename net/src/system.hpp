// The socket calls of the network layer, each through the runtime's seam:
// the simulator's in-memory network when runtime::platform_sockets() is set,
// the kernel otherwise. Nothing else in net/ calls socket(2), connect(2),
// sendmsg(2) and the rest. Contracts are the POSIX calls' (>= 0, or -1 with
// errno); every descriptor is non-blocking and close-on-exec, and sending
// never raises SIGPIPE (EPIPE instead).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace canopy::net::sys {

int socket(int domain, int type, int protocol);
int socketpair(int domain, int type, int protocol, int fds[2]);
int bind(int fd, const sockaddr* address, socklen_t address_bytes);
int listen(int fd, int backlog);
int accept(int fd, sockaddr* address, socklen_t* address_bytes);
int connect(int fd, const sockaddr* address, socklen_t address_bytes);
int getsockopt(int fd, int level, int name, void* value, socklen_t* value_bytes);
int setsockopt(int fd, int level, int name, const void* value, socklen_t value_bytes);
int getsockname(int fd, sockaddr* address, socklen_t* address_bytes);
int getpeername(int fd, sockaddr* address, socklen_t* address_bytes);
ssize_t sendmsg(int fd, const msghdr* message, int flags);
ssize_t recvmsg(int fd, msghdr* message, int flags);
/// sendmsg and recvmsg of one buffer, no flags and no descriptors: the
/// kernel's send(2) and recv(2), which copy no message header in.
ssize_t send(int fd, const void* bytes, std::size_t length);
ssize_t recv(int fd, void* bytes, std::size_t length);
int shutdown(int fd, int how);
/// True where these calls go to the kernel, false under the simulator.
bool on_kernel();
/// Stops waiting on `fd` (fdclean) and closes it; keeps errno as it was, so
/// that error paths can close and still report their own errno.
void close(int fd);
/// Makes a descriptor the user handed over (the `fromfd` calls)
/// non-blocking and close-on-exec. The simulator's descriptors already are.
int adopt(int fd);
/// A host name (not a literal) resolved into at most `max` addresses of
/// `family` (AF_INET, AF_INET6), port 0: how many, or -1 with
/// EADDRNOTAVAIL, ETIMEDOUT, ECANCELED, EAGAIN.
int resolve(const char* name, int family, sockaddr_storage* out, int max,
            std::int64_t deadline_ms);

/// The first address of `family` of network interface `name`, port 0 (the
/// host's interfaces, or the simulator's table): 0, or -1 with ENODEV or
/// EADDRNOTAVAIL.
int interface_address(const char* name, int family, sockaddr_storage* out);
/// `bytes` unpredictable bytes (the kernel's, or the seed's under the
/// simulator): 0, or -1 with errno.
int random_bytes(void* out, std::size_t bytes);

}  // namespace canopy::net::sys
