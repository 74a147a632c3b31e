// TLS (OpenSSL 3) over a stream: itself a stream.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "canopy/net/socket_handle.hpp"
#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy::net {

class tls_stream : public owned_handle {
 public:
  /// Server side, with the PEM files of a certificate (chain) and its key;
  /// the handshake done before it returns. `stream` is taken over (closed
  /// if this fails). EINVAL for unusable files, EPROTO for a failed
  /// handshake.
  static result<tls_stream> accept(owned_handle&& stream, const std::string& cert_pem_path,
                                   const std::string& key_pem_path,
                                   deadline until = deadline::forever());
  /// Client side. The peer's certificate is not verified (libdill's
  /// contract: no name or trust store is given).
  static result<tls_stream> connect(owned_handle&& stream, deadline until = deadline::forever());
  status send(std::span<const std::byte> bytes, deadline until = deadline::forever());
  /// Fills `buffer` exactly; ended() once the peer sent close_notify.
  status recv(std::span<std::byte> buffer, deadline until = deadline::forever());
  /// Sends close_notify.
  status done(deadline until = deadline::forever());
  /// close_notify both ways, then the stream back.
  result<socket_handle> detach(deadline until = deadline::forever()) &&;

 private:
  using owned_handle::owned_handle;
};

}  // namespace canopy::net
