// An IPv4 or IPv6 address with a port, for the C++ face of the network
// layer: literals, interfaces and host names (resolved without blocking
// other coroutines).
#pragma once

#include <sys/socket.h>

#include <string>
#include <vector>

#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy::net {

/// Which families a name may resolve to (libdill's IPADDR_* modes).
enum class family_preference { ipv4 = 1, ipv6 = 2, prefer_ipv4 = 3, prefer_ipv6 = 4 };

class ip_address {
 public:
  /// No address yet (family 0): to be filled by a call that writes one.
  ip_address() = default;
  /// An address to bind to: nullptr (any address), a literal or an
  /// interface name. Errors: EINVAL, ENODEV, EADDRNOTAVAIL.
  static result<ip_address> local(const char* name, int port,
                                  family_preference families = family_preference::prefer_ipv4);
  /// An address to connect to: a literal or a host name. Errors: EINVAL,
  /// EADDRNOTAVAIL, ETIMEDOUT, ECANCELED, EAGAIN.
  static result<ip_address> remote(const char* name, int port,
                                   family_preference families = family_preference::prefer_ipv4,
                                   deadline until = deadline::forever());
  /// Up to `max` addresses of a host, the preferred family first.
  static result<std::vector<ip_address>> remotes(
      const char* name, int port, int max,
      family_preference families = family_preference::prefer_ipv4,
      deadline until = deadline::forever());

  /// The address without its port ("127.0.0.1", "::1").
  std::string str() const;
  int port() const;
  void set_port(int port);
  /// AF_INET or AF_INET6.
  int family() const;
  const ::sockaddr* as_sockaddr() const;
  /// Bytes of as_sockaddr().
  int length() const;
  /// Same address, ports aside.
  bool same_host(const ip_address& other) const;
  friend bool operator==(const ip_address& a, const ip_address& b);

  /// The struct dill_ipaddr this is, for the C API.
  void* native() noexcept { return bytes_; }
  const void* native() const noexcept { return bytes_; }

 private:
  /// Exactly a struct dill_ipaddr, whose DILL_ALIGN is 16 bytes (checked
  /// where both are seen).
  alignas(16) unsigned char bytes_[32] = {};
};

}  // namespace canopy::net
