// What struct dill_ipaddr holds: a sockaddr_in or a sockaddr_in6, nothing
// else. Shared by the address calls and the sockets that fill or read one.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <libdill.h>

namespace canopy::net {

union Address {
  sockaddr any;       // the family, whichever it is
  sockaddr_in v4;     // when any.sa_family == AF_INET
  sockaddr_in6 v6;    // when any.sa_family == AF_INET6
};
static_assert(sizeof(Address) <= sizeof(dill_ipaddr), "struct dill_ipaddr holds an Address");
static_assert(alignof(Address) <= alignof(dill_ipaddr), "struct dill_ipaddr aligns an Address");

inline Address& address_of(dill_ipaddr& a) { return *reinterpret_cast<Address*>(&a); }
inline const Address& address_of(const dill_ipaddr& a) {
  return *reinterpret_cast<const Address*>(&a);
}

/// Copies a kernel (or simulated) socket address into `out`: false when it
/// is neither IPv4 nor IPv6.
bool address_from(dill_ipaddr& out, const sockaddr* address, socklen_t address_bytes);

}  // namespace canopy::net
