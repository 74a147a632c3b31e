// WebSockets (RFC 6455) over a stream, client and server, with the HTTP
// upgrade handshake and the close handshake.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "canopy/net/socket_handle.hpp"
#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy::net {

enum class ws_kind { binary, text };

/// A message received.
struct ws_message {
  std::size_t bytes = 0;          ///< its size, at the start of the buffer
  ws_kind kind = ws_kind::binary; ///< as the peer sent it
};

/// What the peer's close frame said.
struct ws_close {
  int status = 0;      ///< 1000 to 4999, or 0 when it gave none
  std::string reason;  ///< up to 123 bytes
};

/// What a client asked for in its upgrade request.
struct ws_upgrade {
  std::string resource;  ///< the path
  std::string host;      ///< its Host field
};

class websocket : public owned_handle {
 public:
  /// Client: the upgrade handshake for `resource` at `host`, over bytestream
  /// `stream` (taken over: closed if this fails; EPROTO for a refusal).
  static result<websocket> connect(owned_handle&& stream, std::string_view resource,
                                   std::string_view host, deadline until = deadline::forever());
  /// Server: answers a client's upgrade request; what it asked for goes to
  /// *asked (may be null).
  static result<websocket> accept(owned_handle&& stream, ws_upgrade* asked,
                                  deadline until = deadline::forever());
  status send(std::span<const std::byte> message, ws_kind kind = ws_kind::binary,
              deadline until = deadline::forever());
  status send(std::string_view text, deadline until = deadline::forever());
  /// One message into `buffer`; EMSGSIZE if larger; ended() (EPIPE) once
  /// the peer's close frame came (see peer_close()); EPROTO for a frame
  /// that breaks the protocol.
  result<ws_message> recv(std::span<std::byte> buffer, deadline until = deadline::forever());
  /// Sends our close frame (status 0, or 1000 to 4999 with a reason).
  status done(int status_code = 1000, std::string_view reason = {},
              deadline until = deadline::forever());
  /// The close handshake, then the stream back.
  result<socket_handle> detach(int status_code = 1000, std::string_view reason = {},
                               deadline until = deadline::forever()) &&;
  /// The peer's close frame; EAGAIN before it came.
  result<ws_close> peer_close() const;

 private:
  using owned_handle::owned_handle;
};

}  // namespace canopy::net
