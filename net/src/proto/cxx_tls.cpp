#include "canopy/net/tls.hpp"

#include "cxx_edge.hpp"

namespace canopy::net {

using proto::handed_back;
using proto::status_of;

result<tls_stream> tls_stream::accept(owned_handle&& stream, const std::string& cert_pem_path,
                                      const std::string& key_pem_path, deadline until) {
  int h = dill_tls_attach_server(stream.release(), cert_pem_path.c_str(), key_pem_path.c_str(), until.ms());
  if (h < 0) return status{errno};
  return tls_stream(h);
}

result<tls_stream> tls_stream::connect(owned_handle&& stream, deadline until) {
  int h = dill_tls_attach_client(stream.release(), until.ms());
  if (h < 0) return status{errno};
  return tls_stream(h);
}

status tls_stream::send(std::span<const std::byte> bytes, deadline until) {
  return status_of(dill_bsend(native_handle(), bytes.data(), bytes.size(), until.ms()));
}

status tls_stream::recv(std::span<std::byte> buffer, deadline until) {
  return status_of(dill_brecv(native_handle(), buffer.data(), buffer.size(), until.ms()));
}

status tls_stream::done(deadline until) { return status_of(dill_tls_done(native_handle(), until.ms())); }

result<socket_handle> tls_stream::detach(deadline until) && {
  return handed_back(dill_tls_detach(release(), until.ms()));
}

}  // namespace canopy::net
