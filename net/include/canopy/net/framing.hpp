// Message sockets framed over a stream: by a size prefix (PREFIX), by a
// delimiter (SUFFIX), and a terminal message ending each direction (TERM).
#pragma once

#include <cstddef>
#include <span>

#include "canopy/net/socket_handle.hpp"
#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy::net {

/// A message socket of its own: send and receive whole messages.
class message_socket : public owned_handle {
 public:
  /// Sends one message.
  status send(std::span<const std::byte> message, deadline until = deadline::forever());
  /// Receives one message into `buffer`: its size. EMSGSIZE when it is
  /// larger than the buffer (the largest message this receiver accepts);
  /// EPIPE/ECONNRESET when the peer went away; ECONNRESET for good once a
  /// frame was cut short.
  result<std::size_t> recv(std::span<std::byte> buffer, deadline until = deadline::forever());

 protected:
  using owned_handle::owned_handle;
};

/// PREFIX: each message goes as its size in 1 to 8 bytes, then its bytes.
class prefix_socket : public message_socket {
 public:
  enum class byte_order { big_endian, little_endian };
  /// Over bytestream `stream` (taken over: closed if this fails). EINVAL
  /// for a header size out of 1 to 8, EPROTO for a stream that is not one.
  static result<prefix_socket> attach(owned_handle&& stream, std::size_t header_bytes = 4,
                                      byte_order order = byte_order::big_endian);
  /// Hands the stream back (ECONNRESET if a frame was cut short: then the
  /// stream is closed).
  result<socket_handle> detach() &&;

 private:
  using message_socket::message_socket;
};

/// SUFFIX: each message is followed by a delimiter of 1 to 32 bytes.
class suffix_socket : public message_socket {
 public:
  static result<suffix_socket> attach(owned_handle&& stream, std::span<const std::byte> delimiter);
  result<socket_handle> detach(deadline until = deadline::forever()) &&;

 private:
  using message_socket::message_socket;
};

/// TERM: over a message socket, a terminal message (up to 32 bytes, maybe
/// empty) says a side has nothing more to send; recv() then is ended().
class term_socket : public message_socket {
 public:
  static result<term_socket> attach(owned_handle&& messages, std::span<const std::byte> terminal);
  /// Sends the terminal message.
  status done(deadline until = deadline::forever());
  /// Ends our side if not yet, drops what comes until the peer's end, and
  /// hands the message socket back.
  result<socket_handle> detach(deadline until = deadline::forever()) &&;

 private:
  using message_socket::message_socket;
};

}  // namespace canopy::net
