// TCP in the C++ face: a listener and connected streams, closed when they go.
#pragma once

#include "canopy/net/byte_stream.hpp"
#include "canopy/net/ip_address.hpp"

namespace canopy::net {

class tcp_stream : public byte_stream {
 public:
  /// A connection to `to`. Errors: ECONNREFUSED, ETIMEDOUT, cancelled(), ...
  static result<tcp_stream> connect(const ip_address& to, deadline until = deadline::forever());
  /// A connection to host `name` by Happy Eyeballs (IPv6 and IPv4 raced).
  static result<tcp_stream> connect(const char* name, int port,
                                    deadline until = deadline::forever());
  /// Takes ownership of handle `h` (a TCP connection of the C API).
  static tcp_stream adopt(int h) { return tcp_stream(h); }

 private:
  explicit tcp_stream(int h) : byte_stream(h) {}
  int done_call(int handle) override;
  int close_call(int handle, std::int64_t deadline_ms) override;
};

class tcp_listener : public owned_handle {
 public:
  /// Listens on `on`; port 0 picks one (see port()). Errors: EADDRINUSE, ...
  static result<tcp_listener> listen(const ip_address& on, int backlog = 128);
  /// The next connection; its peer into `peer` unless null.
  result<tcp_stream> accept(deadline until = deadline::forever(), ip_address* peer = nullptr);
  /// The port listened on.
  int port() const noexcept { return port_; }

 private:
  tcp_listener(int h, int port) : owned_handle(h), port_(port) {}
  int port_;  // the bound port, the kernel's choice when 0 was asked
};

}  // namespace canopy::net
