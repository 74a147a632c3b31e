// SOCKS5 (RFC 1928, 1929) over a stream: asking a proxy for a connection,
// and being the proxy.
#pragma once

#include <string>
#include <string_view>

#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy::net {

/// A user and password for the proxy; both empty: no authentication.
struct socks5_credentials {
  std::string user;      ///< at most 255 bytes
  std::string password;  ///< at most 255 bytes
};

/// Asks the proxy at the other end of `stream` (a handle, not taken over)
/// for a connection to host:port. The proxy's refusal is its errno (EIO,
/// EACCES, ENETUNREACH, EHOSTUNREACH, ECONNREFUSED, ETIMEDOUT, EOPNOTSUPP,
/// EAFNOSUPPORT); EPROTO for a proxy that breaks the protocol.
status socks5_connect(int stream, std::string_view host, int port,
                      const socks5_credentials& credentials = {},
                      deadline until = deadline::forever());

/// Nonzero to let the user in.
using socks5_check = int(const char* user, const char* password);

/// A client's command to the proxy.
struct socks5_command {
  int code = 0;       ///< SOCKS5_CONNECT, SOCKS5_BIND or SOCKS5_UDP_ASSOCIATE
  std::string host;   ///< a name or a literal address
  int port = 0;       ///< its port
};

/// Proxy side: authenticates the client (no password without `check`);
/// EACCES when it is refused.
status socks5_proxy_auth(int stream, socks5_check* check, deadline until = deadline::forever());
result<socks5_command> socks5_proxy_recv_command(int stream, deadline until = deadline::forever());
/// Replies SOCKS5_SUCCESS or a refusal code, with the address 0.0.0.0:0.
status socks5_proxy_send_reply(int stream, int reply, deadline until = deadline::forever());

}  // namespace canopy::net
