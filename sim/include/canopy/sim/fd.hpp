// Simulated descriptors: pipes and socket pairs whose readiness the
// simulation decides. Use them with fdin/fdout (or canopy's wait_readable /
// wait_writable) exactly like real non-blocking descriptors.
//
// Their numbers start at `first_fd`, far above anything the kernel hands out,
// so a simulated descriptor can never be mistaken for a real one. Real
// descriptors can be waited on under the simulator too: pipes, socket pairs
// and eventfds that only this process reads and writes are polled without
// blocking at each scheduling point (deterministic); ones connected to the
// outside are waited on for real and mark the run as not reproducible
// (docs/simulation.md, "Real descriptors").
//
// Each direction of a pipe or socket pair is a link with a latency: bytes
// written become readable on the other end `latency_ms` (plus a seeded
// 0..jitter_ms) later, in order. A link can be partitioned (bytes wait until
// it heals) and an error can be injected into an end (its next read or write
// fails with it). Buffers are bounded: a full link makes write fail with
// EAGAIN until the reader catches up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

namespace canopy::sim {

/// The lowest simulated descriptor number.
inline constexpr int first_fd = 1 << 30;
/// Bytes a link holds (buffered plus in flight) before write says EAGAIN.
inline constexpr std::size_t link_capacity_bytes = 64 * 1024;

/// How one direction of a simulated connection behaves.
struct link {
  std::int64_t latency_ms = 0;  ///< every write arrives this much later
  std::int64_t jitter_ms = 0;   ///< plus a seeded 0..jitter_ms more (order kept)
  bool partitioned = false;     ///< nothing arrives until healed
};

/// A one-way pipe: fds[0] reads, fds[1] writes. 0, or -1 with errno
/// (ENOTSUP outside a simulation, EMFILE past 65,536 descriptors in a run).
int pipe(int fds[2]);
/// A two-way connection: each end reads what the other writes.
int socketpair(int fds[2]);
/// Non-blocking read: bytes read, 0 at end of stream (the writer closed), or
/// -1 with errno EAGAIN (nothing yet), EBADF, or an injected error.
ssize_t read(int fd, void* buffer, std::size_t bytes);
/// Non-blocking write: bytes accepted, or -1 with errno EAGAIN (link full),
/// EPIPE (the reader closed), EBADF, or an injected error.
ssize_t write(int fd, const void* buffer, std::size_t bytes);
/// Closes a simulated descriptor: 0, or -1 with errno EBADF, or EBUSY when a
/// coroutine still waits on it (call fdclean first, as with real ones).
int close(int fd);
/// Sets how bytes written on `fd` travel to its peer. 0 or -1 with errno.
int set_link(int fd, const link& how);
/// The next read or write on `fd` fails with `err` (EPIPE, ECONNRESET...),
/// and a coroutine waiting on it wakes up to see it. 0 or -1 with errno.
int inject_error(int fd, int err);

}  // namespace canopy::sim
