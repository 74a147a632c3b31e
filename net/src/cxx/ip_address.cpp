// The C++ face's addresses over the C API's.
#include "canopy/net/ip_address.hpp"

#include <libdill.h>

namespace canopy::net {

namespace {
static_assert(sizeof(ip_address) == sizeof(dill_ipaddr), "an ip_address is a dill_ipaddr");
static_assert(alignof(ip_address) >= alignof(dill_ipaddr), "aligned as a dill_ipaddr");

dill_ipaddr* c(ip_address& a) { return static_cast<dill_ipaddr*>(a.native()); }
const dill_ipaddr* c(const ip_address& a) { return static_cast<const dill_ipaddr*>(a.native()); }
}  // namespace

result<ip_address> ip_address::local(const char* name, int port, family_preference families) {
  ip_address a;
  if (dill_ipaddr_local(c(a), name, port, static_cast<int>(families)) != 0) return status{errno};
  return a;
}

result<ip_address> ip_address::remote(const char* name, int port, family_preference families,
                                      deadline until) {
  ip_address a;
  if (dill_ipaddr_remote(c(a), name, port, static_cast<int>(families), until.ms()) != 0)
    return status{errno};
  return a;
}

result<std::vector<ip_address>> ip_address::remotes(const char* name, int port, int max,
                                                    family_preference families,
                                                    deadline until) {
  if (max <= 0) return status{EINVAL};
  std::vector<ip_address> found(static_cast<std::size_t>(max));
  int n = dill_ipaddr_remotes(c(found[0]), max, name, port, static_cast<int>(families),
                              until.ms());
  if (n < 0) return status{errno};
  found.resize(static_cast<std::size_t>(n));
  return found;
}

std::string ip_address::str() const {
  char text[DILL_IPADDR_MAXSTRLEN];
  return dill_ipaddr_str(c(*this), text);
}
int ip_address::port() const { return dill_ipaddr_port(c(*this)); }
void ip_address::set_port(int port) { dill_ipaddr_setport(c(*this), port); }
int ip_address::family() const { return dill_ipaddr_family(c(*this)); }
const ::sockaddr* ip_address::as_sockaddr() const { return dill_ipaddr_sockaddr(c(*this)); }
int ip_address::length() const { return dill_ipaddr_len(c(*this)); }
bool ip_address::same_host(const ip_address& other) const {
  return dill_ipaddr_equal(c(*this), c(other), 1) == 1;
}
bool operator==(const ip_address& a, const ip_address& b) {
  return dill_ipaddr_equal(c(a), c(b), 0) == 1;
}

}  // namespace canopy::net
