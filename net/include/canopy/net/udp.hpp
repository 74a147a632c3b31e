// UDP in the C++ face: one message per datagram.
#pragma once

#include <cstddef>
#include <span>

#include "canopy/net/ip_address.hpp"
#include "canopy/net/owned_handle.hpp"

namespace canopy::net {

class udp_socket : public owned_handle {
 public:
  /// A socket bound to `local` (null: any, a port the kernel picks; a port
  /// 0 is updated) talking to `remote` by default (may be null).
  static result<udp_socket> open(ip_address* local, const ip_address* remote);
  /// One datagram to `to`; never blocks (no room: dropped, as on a network).
  status send_to(const ip_address& to, std::span<const std::byte> bytes);
  /// One datagram to the remote given to open() (EINVAL without one).
  status send(std::span<const std::byte> bytes);
  /// One datagram's bytes (what does not fit is lost) and its size; the
  /// sender into `from` unless null.
  result<std::size_t> recv(std::span<std::byte> into, deadline until = deadline::forever(),
                           ip_address* from = nullptr);

 private:
  explicit udp_socket(int h) : owned_handle(h) {}
};

}  // namespace canopy::net
