// Real descriptors under the simulator: which ones only this process can
// make ready (in-process), and which ones the outside world writes.
//
// An in-process descriptor changes readiness only when the program's own
// code reads or writes it, so polling it without blocking at a scheduling
// point gives the same answer in every run of a seed. An outside one (a
// terminal, a file, a real network socket, a pipe whose other end another
// process holds) changes when the world does: the simulator still serves
// it, for real, but the run can no longer be promised to repeat.
#pragma once

#include <string>

namespace canopy::sim::detail {

/// What the simulator knows about one real descriptor.
struct RealFd {
  int err = 0;            ///< EBADF when the descriptor is not open; else 0
  bool outside = false;   ///< its readiness depends on the world outside this process
  std::string what;       ///< a phrase for reports: "a pipe", "a terminal or file", ...
};

/// Classifies `fd` (>= 0, a real descriptor), by these rules:
/// - a pipe or FIFO is in-process when this process holds both a read end and
///   a write end of it (found through /proc/self/fd). One whose other end is
///   closed counts as outside: its bytes may have come from another process
///   (a shell pipeline), and nothing tells who wrote them;
/// - an AF_UNIX socket is in-process when its peer is this process
///   (SO_PEERCRED: socketpair(), or a connection to our own listener; this
///   stays true after the peer closed);
/// - an eventfd is in-process;
/// - everything else (terminals, files, devices, AF_INET/AF_INET6 sockets,
///   timerfds, signalfds, listening sockets) is outside.
RealFd classify_real_fd(int fd);

}  // namespace canopy::sim::detail
