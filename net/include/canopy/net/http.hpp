// HTTP/1.1 heads (request or status line, then fields) over a stream.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "canopy/net/socket_handle.hpp"
#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy::net {

/// "COMMAND RESOURCE HTTP/1.1".
struct http_request {
  std::string command;   ///< GET, POST...
  std::string resource;  ///< the path asked for
};

/// "HTTP/1.1 CODE REASON".
struct http_status {
  int code = 0;          ///< 100 to 599
  std::string reason;    ///< the text after the code
};

/// "NAME: VALUE".
struct http_field {
  std::string name;   ///< as sent (compare without case)
  std::string value;  ///< blanks around it trimmed
};

/// The head of HTTP messages over a bytestream. Lines are at most 1023
/// bytes (EMSGSIZE); a line that breaks the grammar is EPROTO.
class http_connection : public owned_handle {
 public:
  /// Over bytestream `stream` (taken over: closed if this fails).
  static result<http_connection> attach(owned_handle&& stream);
  status send_request(std::string_view command, std::string_view resource,
                      deadline until = deadline::forever());
  result<http_request> recv_request(deadline until = deadline::forever());
  status send_status(int code, std::string_view reason, deadline until = deadline::forever());
  result<http_status> recv_status(deadline until = deadline::forever());
  status send_field(std::string_view name, std::string_view value,
                    deadline until = deadline::forever());
  /// The next field, or nullopt at the empty line that ends them.
  result<std::optional<http_field>> recv_field(deadline until = deadline::forever());
  /// Ends our fields (the empty line).
  status done(deadline until = deadline::forever());
  /// Ends our fields if not yet, waits for the end of the peer's, hands
  /// the stream back (for the body, or a protocol upgrade).
  result<socket_handle> detach(deadline until = deadline::forever()) &&;

 private:
  using owned_handle::owned_handle;
};

}  // namespace canopy::net
