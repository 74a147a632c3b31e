// IP addresses: literals, local interfaces and host names (resolved through
// the seam, never blocking other coroutines).
#include <arpa/inet.h>

#include <cerrno>
#include <cstring>

#include "address.hpp"
#include "system.hpp"

namespace canopy::net {

namespace {

constexpr int max_port = 65535;
/// Addresses one ipaddr_remotes call asks the resolver for, per family.
constexpr int max_resolved = 16;

/// 0 (the default) is IPv4 preferred; anything else unknown is EINVAL.
int normal_mode(int mode) {
  if (mode == 0) return DILL_IPADDR_PREF_IPV4;
  if (mode < DILL_IPADDR_IPV4 || mode > DILL_IPADDR_PREF_IPV6) return -1;
  return mode;
}

bool accepts(int mode, int family) {
  if (mode == DILL_IPADDR_IPV4) return family == AF_INET;
  if (mode == DILL_IPADDR_IPV6) return family == AF_INET6;
  return family == AF_INET || family == AF_INET6;
}

/// The families of `mode` in the order it prefers them; the second may be
/// AF_UNSPEC (none).
void families(int mode, int order[2]) {
  switch (mode) {
    case DILL_IPADDR_IPV4: order[0] = AF_INET, order[1] = AF_UNSPEC; break;
    case DILL_IPADDR_IPV6: order[0] = AF_INET6, order[1] = AF_UNSPEC; break;
    case DILL_IPADDR_PREF_IPV6: order[0] = AF_INET6, order[1] = AF_INET; break;
    default: order[0] = AF_INET, order[1] = AF_INET6; break;
  }
}

void set_any(dill_ipaddr& out, int family, int port) {
  std::memset(&out, 0, sizeof out);
  Address& a = address_of(out);
  if (family == AF_INET) {
    a.v4.sin_family = AF_INET;
    a.v4.sin_addr.s_addr = htonl(INADDR_ANY);
    a.v4.sin_port = htons(static_cast<std::uint16_t>(port));
  } else {
    a.v6.sin6_family = AF_INET6;
    a.v6.sin6_addr = in6addr_any;
    a.v6.sin6_port = htons(static_cast<std::uint16_t>(port));
  }
}

/// Parses an IPv4 or IPv6 literal: true and `out` set, or false.
bool literal(dill_ipaddr& out, const char* name, int port) {
  std::memset(&out, 0, sizeof out);
  Address& a = address_of(out);
  if (inet_pton(AF_INET, name, &a.v4.sin_addr) == 1) {
    a.v4.sin_family = AF_INET;
    a.v4.sin_port = htons(static_cast<std::uint16_t>(port));
    return true;
  }
  if (inet_pton(AF_INET6, name, &a.v6.sin6_addr) == 1) {
    a.v6.sin6_family = AF_INET6;
    a.v6.sin6_port = htons(static_cast<std::uint16_t>(port));
    return true;
  }
  return false;
}

/// The first address of interface `name` that `mode` accepts, preferred
/// family first. Interfaces are local: no waiting.
int interface_address(dill_ipaddr& out, const char* name, int port, int mode) {
  int order[2];
  families(mode, order);
  for (int family : order) {
    if (family == AF_UNSPEC) continue;
    sockaddr_storage found;
    if (sys::interface_address(name, family, &found) == 0) {
      address_from(out, reinterpret_cast<const sockaddr*>(&found), sizeof found);
      dill_ipaddr_setport(&out, port);
      return 0;
    }
    if (errno == ENODEV) return -1;
  }
  errno = EADDRNOTAVAIL;
  return -1;
}

}  // namespace

bool address_from(dill_ipaddr& out, const sockaddr* address, socklen_t address_bytes) {
  std::memset(&out, 0, sizeof out);
  if (!address) return false;
  if (address->sa_family == AF_INET && address_bytes >= sizeof(sockaddr_in)) {
    std::memcpy(&address_of(out).v4, address, sizeof(sockaddr_in));
    return true;
  }
  if (address->sa_family == AF_INET6 && address_bytes >= sizeof(sockaddr_in6)) {
    std::memcpy(&address_of(out).v6, address, sizeof(sockaddr_in6));
    return true;
  }
  return false;
}

}  // namespace canopy::net

using canopy::net::Address;
using canopy::net::address_of;

extern "C" {

int dill_ipaddr_local(struct dill_ipaddr* addr, const char* name, int port, int mode) {
  mode = canopy::net::normal_mode(mode);
  if (!addr || port < 0 || port > canopy::net::max_port || mode < 0) {
    errno = EINVAL;
    return -1;
  }
  if (!name) {
    bool v6 = mode == DILL_IPADDR_IPV6 || mode == DILL_IPADDR_PREF_IPV6;
    canopy::net::set_any(*addr, v6 ? AF_INET6 : AF_INET, port);
    return 0;
  }
  dill_ipaddr parsed;
  if (canopy::net::literal(parsed, name, port)) {
    if (!canopy::net::accepts(mode, dill_ipaddr_family(&parsed))) {
      errno = EADDRNOTAVAIL;
      return -1;
    }
    *addr = parsed;
    return 0;
  }
  return canopy::net::interface_address(*addr, name, port, mode);
}

int dill_ipaddr_remotes(struct dill_ipaddr* addrs, int naddrs, const char* name, int port,
                        int mode, int64_t deadline) {
  mode = canopy::net::normal_mode(mode);
  if (!addrs || naddrs <= 0 || !name || port < 0 || port > canopy::net::max_port || mode < 0) {
    errno = EINVAL;
    return -1;
  }
  dill_ipaddr parsed;
  if (canopy::net::literal(parsed, name, port)) {
    if (!canopy::net::accepts(mode, dill_ipaddr_family(&parsed))) return 0;
    addrs[0] = parsed;
    return 1;
  }
  int order[2];
  canopy::net::families(mode, order);
  int count = 0;
  for (int family : order) {
    if (family == AF_UNSPEC || count == naddrs) continue;
    sockaddr_storage found[canopy::net::max_resolved];
    int wanted = naddrs - count < canopy::net::max_resolved ? naddrs - count
                                                            : canopy::net::max_resolved;
    int n = canopy::net::sys::resolve(name, family, found, wanted, deadline);
    if (n < 0) {
      if (errno == EADDRNOTAVAIL) continue;  // the other family may have some
      return -1;
    }
    for (int i = 0; i != n; ++i) {
      socklen_t bytes = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
      if (!canopy::net::address_from(addrs[count], reinterpret_cast<sockaddr*>(&found[i]), bytes))
        continue;
      dill_ipaddr_setport(&addrs[count], port);
      ++count;
    }
  }
  return count;
}

int dill_ipaddr_remote(struct dill_ipaddr* addr, const char* name, int port, int mode,
                       int64_t deadline) {
  int n = dill_ipaddr_remotes(addr, 1, name, port, mode, deadline);
  if (n < 0) return -1;
  if (n == 0) {
    errno = EADDRNOTAVAIL;
    return -1;
  }
  return 0;
}

const char* dill_ipaddr_str(const struct dill_ipaddr* addr, char* ipstr) {
  const Address& a = address_of(*addr);
  if (a.any.sa_family == AF_INET)
    return inet_ntop(AF_INET, &a.v4.sin_addr, ipstr, DILL_IPADDR_MAXSTRLEN);
  return inet_ntop(AF_INET6, &a.v6.sin6_addr, ipstr, DILL_IPADDR_MAXSTRLEN);
}

int dill_ipaddr_family(const struct dill_ipaddr* addr) { return address_of(*addr).any.sa_family; }

const struct sockaddr* dill_ipaddr_sockaddr(const struct dill_ipaddr* addr) {
  return &address_of(*addr).any;
}

int dill_ipaddr_len(const struct dill_ipaddr* addr) {
  return address_of(*addr).any.sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

int dill_ipaddr_port(const struct dill_ipaddr* addr) {
  const Address& a = address_of(*addr);
  return ntohs(a.any.sa_family == AF_INET ? a.v4.sin_port : a.v6.sin6_port);
}

void dill_ipaddr_setport(struct dill_ipaddr* addr, int port) {
  Address& a = address_of(*addr);
  std::uint16_t network = htons(static_cast<std::uint16_t>(port));
  if (a.any.sa_family == AF_INET) a.v4.sin_port = network;
  else a.v6.sin6_port = network;
}

int dill_ipaddr_equal(const struct dill_ipaddr* addr1, const struct dill_ipaddr* addr2,
                      int ignore_port) {
  const Address& a = address_of(*addr1);
  const Address& b = address_of(*addr2);
  if (a.any.sa_family != b.any.sa_family) return 0;
  if (a.any.sa_family == AF_INET) {
    if (a.v4.sin_addr.s_addr != b.v4.sin_addr.s_addr) return 0;
    return ignore_port || a.v4.sin_port == b.v4.sin_port;
  }
  if (std::memcmp(&a.v6.sin6_addr, &b.v6.sin6_addr, sizeof a.v6.sin6_addr) != 0) return 0;
  return ignore_port || a.v6.sin6_port == b.v6.sin6_port;
}

}  // extern "C"
