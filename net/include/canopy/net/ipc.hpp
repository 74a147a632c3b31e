// UNIX-domain stream sockets in the C++ face.
#pragma once

#include <utility>

#include "canopy/net/byte_stream.hpp"

namespace canopy::net {

class ipc_stream : public byte_stream {
 public:
  /// A connection to the socket at `path`. Errors: ENOENT, ECONNREFUSED, ...
  static result<ipc_stream> connect(const char* path, deadline until = deadline::forever());
  /// Two connected streams.
  static result<std::pair<ipc_stream, ipc_stream>> pair();
  /// Sends a duplicate of descriptor `fd` in order with the bytes.
  status send_fd(int fd, deadline until = deadline::forever());
  /// The descriptor the peer sent next (the caller closes it).
  result<int> recv_fd(deadline until = deadline::forever());

 private:
  friend class ipc_listener;
  explicit ipc_stream(int h) : byte_stream(h) {}
  int done_call(int handle) override;
  int close_call(int handle, std::int64_t deadline_ms) override;
};

class ipc_listener : public owned_handle {
 public:
  /// Listens at `path`, which must not exist (EADDRINUSE).
  static result<ipc_listener> listen(const char* path, int backlog = 128);
  result<ipc_stream> accept(deadline until = deadline::forever());

 private:
  explicit ipc_listener(int h) : owned_handle(h) {}
};

}  // namespace canopy::net
