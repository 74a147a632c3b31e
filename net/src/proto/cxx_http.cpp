#include "canopy/net/http.hpp"

#include "cxx_edge.hpp"

namespace canopy::net {

using proto::c_string;
using proto::handed_back;
using proto::status_of;

namespace {
/// Room for a received line's parts: a line is at most 1023 bytes.
constexpr std::size_t kLineBytes = 1024;
}  // namespace

result<http_connection> http_connection::attach(owned_handle&& stream) {
  int h = dill_http_attach(stream.release());
  if (h < 0) return status{errno};
  return http_connection(h);
}

status http_connection::send_request(std::string_view command, std::string_view resource,
                                     deadline until) {
  std::string c, r;
  if (!c_string(command, &c) || !c_string(resource, &r)) return status{EINVAL};
  return status_of(dill_http_sendrequest(native_handle(), c.c_str(), r.c_str(), until.ms()));
}

result<http_request> http_connection::recv_request(deadline until) {
  char command[kLineBytes], resource[kLineBytes];
  if (dill_http_recvrequest(native_handle(), command, sizeof command, resource, sizeof resource,
                            until.ms()) < 0)
    return status{errno};
  return http_request{command, resource};
}

status http_connection::send_status(int code, std::string_view reason, deadline until) {
  std::string r;
  if (!c_string(reason, &r)) return status{EINVAL};
  return status_of(dill_http_sendstatus(native_handle(), code, r.c_str(), until.ms()));
}

result<http_status> http_connection::recv_status(deadline until) {
  char reason[kLineBytes];
  int code = dill_http_recvstatus(native_handle(), reason, sizeof reason, until.ms());
  if (code < 0) return status{errno};
  return http_status{code, reason};
}

status http_connection::send_field(std::string_view name, std::string_view value, deadline until) {
  std::string n, v;
  if (!c_string(name, &n) || !c_string(value, &v)) return status{EINVAL};
  return status_of(dill_http_sendfield(native_handle(), n.c_str(), v.c_str(), until.ms()));
}

result<std::optional<http_field>> http_connection::recv_field(deadline until) {
  char name[kLineBytes], value[kLineBytes];
  if (dill_http_recvfield(native_handle(), name, sizeof name, value, sizeof value, until.ms()) < 0) {
    if (errno == EPIPE) return std::optional<http_field>{};
    return status{errno};
  }
  return std::optional<http_field>{http_field{name, value}};
}

status http_connection::done(deadline until) { return status_of(dill_http_done(native_handle(), until.ms())); }

result<socket_handle> http_connection::detach(deadline until) && {
  return handed_back(dill_http_detach(release(), until.ms()));
}

}  // namespace canopy::net
