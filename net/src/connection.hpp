// The handles TCP and IPC share: a connected stream (a bytestream handle)
// and a listener, each tagged with its protocol's type id so that a TCP
// call on an IPC handle fails with ENOTSUP. Also the waiting parts of
// accept(2) and connect(2).
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "handle.hpp"
#include "stream.hpp"

namespace canopy::net {

struct Connection {
  dill_hvfs vfs_table;                  // the handle table's view: query, close
  dill_bsock_vfs bvfs;             // what bsend/brecv call
  Stream stream;                   // the socket and the state of its two directions
  const void* kind;                // tcp or ipc's type id, answered by query
  bool in_user_memory = false;     // built in a `_mem` storage: not freed
  Connection(int fd, const void* kind, bool reads_ahead, bool carries_fds);
};

struct Listener {
  dill_hvfs vfs_table;                  // the handle table's view: query, close
  const void* kind;                // tcp or ipc's listener type id
  int fd;                          // the listening socket
  bool in_user_memory = false;     // built in a `_mem` storage: not freed
  Listener(int fd, const void* kind);
};

/// A handle owning the connected socket `fd` (closed on failure too).
int make_connection(int fd, const void* kind, bool reads_ahead, bool carries_fds, void* mem);
/// A handle owning the listening socket `fd` (closed on failure too).
int make_listener(int fd, const void* kind, void* mem);
/// The connection behind handle `s` if it is of `kind`; null with EBADF or
/// ENOTSUP otherwise.
Connection* connection_of(int s, const void* kind);
/// Waits for and takes the next connection on `listener_fd`: a new
/// descriptor, or -1 with ETIMEDOUT, ECANCELED, EMFILE, ...
int accept_next(int listener_fd, sockaddr* peer, socklen_t* peer_bytes, std::int64_t deadline);
/// Connects `fd` and waits until it is connected: 0, or -1 with
/// ECONNREFUSED, ETIMEDOUT, ECANCELED, ... (the caller closes `fd`).
int connect_and_wait(int fd, const sockaddr* address, socklen_t address_bytes,
                     std::int64_t deadline);
/// The `fromfd` calls' check: 0 once `fd` is a stream socket of `family`
/// (AF_UNIX; or AF_INET, meaning IPv4 or IPv6), listening or not as asked,
/// made non-blocking; -1 with EINVAL (another kind of descriptor), EBADF.
int adopt_stream_socket(int fd, int family, bool listening);
/// tcp_close/ipc_close: finishes the stream gracefully by `deadline`, then
/// closes the handle whatever happened.
int close_gracefully(int s, const void* kind, std::int64_t deadline);
/// tcp_done/ipc_done.
int finish_sending(int s, const void* kind);

}  // namespace canopy::net
