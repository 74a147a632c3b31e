// The C++ face's UDP sockets over the C API's.
#include "canopy/net/udp.hpp"

#include <libdill.h>

namespace canopy::net {

result<udp_socket> udp_socket::open(ip_address* local, const ip_address* remote) {
  int h = dill_udp_open(local ? static_cast<dill_ipaddr*>(local->native()) : nullptr,
                        remote ? static_cast<const dill_ipaddr*>(remote->native()) : nullptr);
  if (h < 0) return status{errno};
  return udp_socket(h);
}
status udp_socket::send_to(const ip_address& to, std::span<const std::byte> bytes) {
  int rc = dill_udp_send(native_handle(), static_cast<const dill_ipaddr*>(to.native()),
                         bytes.data(), bytes.size());
  return rc == 0 ? status{} : status{errno};
}
status udp_socket::send(std::span<const std::byte> bytes) {
  int rc = dill_udp_send(native_handle(), nullptr, bytes.data(), bytes.size());
  return rc == 0 ? status{} : status{errno};
}
result<std::size_t> udp_socket::recv(std::span<std::byte> into, deadline until,
                                     ip_address* from) {
  ssize_t n = dill_udp_recv(native_handle(),
                            from ? static_cast<dill_ipaddr*>(from->native()) : nullptr,
                            into.data(), into.size(), until.ms());
  if (n < 0) return status{errno};
  return static_cast<std::size_t>(n);
}

}  // namespace canopy::net
