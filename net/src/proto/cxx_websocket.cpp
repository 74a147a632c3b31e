#include "canopy/net/websocket.hpp"

#include "cxx_edge.hpp"

namespace canopy::net {

using proto::c_string;
using proto::handed_back;
using proto::status_of;

namespace {
/// Room for what a client asks for: a field value is at most 255 bytes.
constexpr std::size_t kFieldBytes = 256;
/// The longest close reason.
constexpr std::size_t kReasonBytes = 123;

int flags_of(ws_kind kind) noexcept { return kind == ws_kind::text ? DILL_WS_TEXT : DILL_WS_BINARY; }
}  // namespace

result<websocket> websocket::connect(owned_handle&& stream, std::string_view resource,
                                     std::string_view host, deadline until) {
  std::string r, h;
  if (!c_string(resource, &r) || !c_string(host, &h)) return status{EINVAL};
  int ws = dill_ws_attach_client(stream.release(), DILL_WS_BINARY, r.c_str(), h.c_str(), until.ms());
  if (ws < 0) return status{errno};
  return websocket(ws);
}

result<websocket> websocket::accept(owned_handle&& stream, ws_upgrade* asked, deadline until) {
  char resource[kFieldBytes], host[kFieldBytes];
  int ws = dill_ws_attach_server(stream.release(), DILL_WS_BINARY, resource, sizeof resource, host,
                                 sizeof host, until.ms());
  if (ws < 0) return status{errno};
  if (asked) *asked = ws_upgrade{resource, host};
  return websocket(ws);
}

status websocket::send(std::span<const std::byte> message, ws_kind kind, deadline until) {
  return status_of(dill_ws_send(native_handle(), flags_of(kind), message.data(), message.size(), until.ms()));
}

status websocket::send(std::string_view text, deadline until) {
  return status_of(dill_ws_send(native_handle(), DILL_WS_TEXT, text.data(), text.size(), until.ms()));
}

result<ws_message> websocket::recv(std::span<std::byte> buffer, deadline until) {
  int flags = 0;
  ssize_t n = dill_ws_recv(native_handle(), &flags, buffer.data(), buffer.size(), until.ms());
  if (n < 0) return status{errno};
  return ws_message{static_cast<std::size_t>(n), (flags & DILL_WS_TEXT) ? ws_kind::text : ws_kind::binary};
}

status websocket::done(int status_code, std::string_view reason, deadline until) {
  return status_of(dill_ws_done(native_handle(), status_code, reason.data(), reason.size(), until.ms()));
}

result<socket_handle> websocket::detach(int status_code, std::string_view reason, deadline until) && {
  return handed_back(dill_ws_detach(release(), status_code, reason.data(), reason.size(), until.ms()));
}

result<ws_close> websocket::peer_close() const {
  int code = 0;
  char reason[kReasonBytes];
  ssize_t n = dill_ws_status(native_handle(), &code, reason, sizeof reason);
  if (n < 0) return status{errno};
  return ws_close{code, std::string(reason, static_cast<std::size_t>(n))};
}

}  // namespace canopy::net
