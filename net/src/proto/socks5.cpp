// SOCKS5 (RFC 1928) with user and password authentication (RFC 1929):
// the client's side and the proxy's, over any bytestream.
#include "layered.hpp"

#include <canopy/net/dill_protocols.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

namespace canopy::net::proto {
namespace {

constexpr std::uint8_t kVersion = 0x05;
constexpr std::uint8_t kAuthVersion = 0x01;
constexpr std::uint8_t kNoAuth = 0x00;
constexpr std::uint8_t kUserPass = 0x02;
constexpr std::uint8_t kNoMethod = 0xff;
constexpr std::uint8_t kAuthOk = 0x00;
constexpr std::uint8_t kAuthRefused = 0xff;
enum AddressType : std::uint8_t { kIpv4 = 1, kName = 3, kIpv6 = 4 };
/// A name, a user or a password: one length byte.
constexpr std::size_t kMaxField = 255;
/// A request or reply: VER CMD RSV ATYP, then a name with its length byte,
/// then the port.
constexpr std::size_t kMaxCommandBytes = 4 + 1 + kMaxField + 2;

int need_bytestream(int s) noexcept { return dill_hquery(s, dill_bsock_type) ? 0 : -1; }

/// A command or reply as on the wire: its code and its address.
struct Command {
  std::uint8_t code;                    ///< CMD (from a client) or REP (from a proxy)
  std::uint8_t type;                    ///< ATYP
  std::uint8_t addr[kMaxField + 1];     ///< 4 or 16 address bytes, or a name (zero-terminated)
  std::size_t addr_bytes;               ///< bytes of addr used
  int port;                             ///< the port, host order
};

int send_command(int s, const Command& c, std::int64_t deadline) noexcept {
  std::uint8_t out[kMaxCommandBytes];
  std::size_t n = 0;
  out[n++] = kVersion;
  out[n++] = c.code;
  out[n++] = 0;
  out[n++] = c.type;
  if (c.type == kName) out[n++] = static_cast<std::uint8_t>(c.addr_bytes);
  std::memcpy(out + n, c.addr, c.addr_bytes);
  n += c.addr_bytes;
  out[n++] = static_cast<std::uint8_t>(c.port >> 8);
  out[n++] = static_cast<std::uint8_t>(c.port);
  return dill_bsend(s, out, n, deadline);
}

/// Receives a request (`from_client`: its code must be a command) or a
/// reply. A bad head is refused before the address is waited for.
int recv_command(int s, Command* c, bool from_client, std::int64_t deadline) noexcept {
  std::uint8_t head[4];
  if (dill_brecv(s, head, 4, deadline) < 0) return -1;
  if (head[0] != kVersion || head[2] != 0) return fail_with(EPROTO);
  if (from_client && (head[1] < DILL_SOCKS5_CONNECT || head[1] > DILL_SOCKS5_UDP_ASSOCIATE))
    return fail_with(EPROTO);
  c->code = head[1];
  c->type = head[3];
  switch (c->type) {
    case kIpv4:
      c->addr_bytes = 4;
      break;
    case kIpv6:
      c->addr_bytes = 16;
      break;
    case kName: {
      std::uint8_t len;
      if (dill_brecv(s, &len, 1, deadline) < 0) return -1;
      if (len == 0) return fail_with(EPROTO);
      c->addr_bytes = len;
      break;
    }
    default:
      return fail_with(EPROTO);
  }
  if (dill_brecv(s, c->addr, c->addr_bytes, deadline) < 0) return -1;
  c->addr[c->addr_bytes] = 0;
  if (c->type == kName && std::memchr(c->addr, 0, c->addr_bytes)) return fail_with(EPROTO);
  std::uint8_t port[2];
  if (dill_brecv(s, port, 2, deadline) < 0) return -1;
  c->port = port[0] << 8 | port[1];
  return 0;
}

/// The address of `addr` (null: 0.0.0.0 port 0) as a command's.
int from_ipaddr(const dill_ipaddr* addr, Command* c) noexcept {
  if (!addr) {
    c->type = kIpv4;
    c->addr_bytes = 4;
    std::memset(c->addr, 0, 4);
    c->port = 0;
    return 0;
  }
  const sockaddr* sa = dill_ipaddr_sockaddr(addr);
  c->port = dill_ipaddr_port(addr);
  if (dill_ipaddr_family(addr) == AF_INET) {
    c->type = kIpv4;
    c->addr_bytes = 4;
    std::memcpy(c->addr, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
    return 0;
  }
  if (dill_ipaddr_family(addr) == AF_INET6) {
    c->type = kIpv6;
    c->addr_bytes = 16;
    std::memcpy(c->addr, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    return 0;
  }
  return fail_with(EAFNOSUPPORT);
}

/// A command's address as text: a name, or a literal address.
void address_text(const Command& c, char* out, std::size_t cap) noexcept {
  if (c.type == kName) {
    std::memcpy(out, c.addr, c.addr_bytes + 1);
    return;
  }
  inet_ntop(c.type == kIpv4 ? AF_INET : AF_INET6, c.addr, out, static_cast<socklen_t>(cap));
}

/// The errno a proxy's refusal stands for.
int refusal_errno(std::uint8_t reply) noexcept {
  switch (reply) {
    case DILL_SOCKS5_GENERAL_FAILURE: return EIO;
    case DILL_SOCKS5_CONNECTION_NOT_ALLOWED: return EACCES;
    case DILL_SOCKS5_NETWORK_UNREACHABLE: return ENETUNREACH;
    case DILL_SOCKS5_HOST_UNREACHABLE: return EHOSTUNREACH;
    case DILL_SOCKS5_CONNECTION_REFUSED: return ECONNREFUSED;
    case DILL_SOCKS5_TTL_EXPIRED: return ETIMEDOUT;
    case DILL_SOCKS5_COMMAND_NOT_SUPPORTED: return EOPNOTSUPP;
    case DILL_SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED: return EAFNOSUPPORT;
    default: return EPROTO;
  }
}

int client_auth(int s, const char* user, const char* pass, std::int64_t deadline) noexcept {
  if (need_bytestream(s) < 0) return -1;
  if ((user && std::strlen(user) > kMaxField) || (pass && std::strlen(pass) > kMaxField))
    return fail_with(EINVAL);
  bool offer_password = user && pass;
  std::uint8_t hello[4] = {kVersion, 1, kNoAuth, kUserPass};
  if (offer_password) hello[1] = 2;
  if (dill_bsend(s, hello, offer_password ? 4 : 3, deadline) < 0) return -1;
  std::uint8_t choice[2];
  if (dill_brecv(s, choice, 2, deadline) < 0) return -1;
  if (choice[0] != kVersion) return fail_with(EPROTO);
  if (choice[1] == kNoAuth) return 0;
  if (choice[1] == kNoMethod) return fail_with(EACCES);
  if (choice[1] != kUserPass || !offer_password) return fail_with(EPROTO);  // not what we offered
  std::uint8_t req[3 + 2 * kMaxField];
  std::size_t ulen = std::strlen(user), plen = std::strlen(pass), n = 0;
  req[n++] = kAuthVersion;
  req[n++] = static_cast<std::uint8_t>(ulen);
  std::memcpy(req + n, user, ulen);
  n += ulen;
  req[n++] = static_cast<std::uint8_t>(plen);
  std::memcpy(req + n, pass, plen);
  n += plen;
  if (dill_bsend(s, req, n, deadline) < 0) return -1;
  std::uint8_t verdict[2];
  if (dill_brecv(s, verdict, 2, deadline) < 0) return -1;
  if (verdict[0] != kAuthVersion) return fail_with(EPROTO);
  return verdict[1] == kAuthOk ? 0 : fail_with(EACCES);
}

int client_request(int s, const Command& c, std::int64_t deadline) noexcept {
  if (send_command(s, c, deadline) < 0) return -1;
  Command reply;
  if (recv_command(s, &reply, false, deadline) < 0) return -1;
  return reply.code == DILL_SOCKS5_SUCCESS ? 0 : fail_with(refusal_errno(reply.code));
}

}  // namespace
}  // namespace canopy::net::proto

using namespace canopy::net::proto;

extern "C" {

DILL_EXPORT int dill_socks5_client_connect(int s, const char* username, const char* password,
                                           struct dill_ipaddr* addr, int64_t deadline) {
  if (!addr) return fail_with(EINVAL);
  Command c{};
  c.code = DILL_SOCKS5_CONNECT;
  if (from_ipaddr(addr, &c) < 0) return -1;
  if (client_auth(s, username, password, deadline) < 0) return -1;
  return client_request(s, c, deadline);
}

DILL_EXPORT int dill_socks5_client_connectbyname(int s, const char* username,
                                                 const char* password, const char* hostname,
                                                 int port, int64_t deadline) {
  if (!hostname || !*hostname || std::strlen(hostname) > kMaxField || port <= 0 || port > 65535)
    return fail_with(EINVAL);
  Command c{};
  c.code = DILL_SOCKS5_CONNECT;
  c.port = port;
  // A literal address goes as one, so that the proxy need not resolve it.
  if (inet_pton(AF_INET, hostname, c.addr) == 1) {
    c.type = kIpv4;
    c.addr_bytes = 4;
  } else if (inet_pton(AF_INET6, hostname, c.addr) == 1) {
    c.type = kIpv6;
    c.addr_bytes = 16;
  } else {
    c.type = kName;
    c.addr_bytes = std::strlen(hostname);
    std::memcpy(c.addr, hostname, c.addr_bytes);
  }
  if (client_auth(s, username, password, deadline) < 0) return -1;
  return client_request(s, c, deadline);
}

DILL_EXPORT int dill_socks5_proxy_auth(int s, dill_socks5_auth_function* auth_fn,
                                       int64_t deadline) {
  if (need_bytestream(s) < 0) return -1;
  std::uint8_t hello[2];
  if (dill_brecv(s, hello, 2, deadline) < 0) return -1;
  if (hello[0] != kVersion) return fail_with(EPROTO);
  std::uint8_t methods[kMaxField];
  if (hello[1] > 0 && dill_brecv(s, methods, hello[1], deadline) < 0) return -1;
  bool no_auth = false, user_pass = false;
  for (std::size_t i = 0; i < hello[1]; ++i) {
    no_auth |= methods[i] == kNoAuth;
    user_pass |= methods[i] == kUserPass;
  }
  // Without a check no one needs a password; with one everyone does.
  std::uint8_t choice[2] = {kVersion, kNoMethod};
  if (!auth_fn && no_auth) choice[1] = kNoAuth;
  if (auth_fn && user_pass) choice[1] = kUserPass;
  if (dill_bsend(s, choice, 2, deadline) < 0) return -1;
  if (choice[1] == kNoMethod) return fail_with(EACCES);
  if (choice[1] == kNoAuth) return 0;
  std::uint8_t head[2];
  if (dill_brecv(s, head, 2, deadline) < 0) return -1;
  if (head[0] != kAuthVersion) return fail_with(EPROTO);
  char user[kMaxField + 1], pass[kMaxField + 1];
  std::uint8_t plen;
  if (dill_brecv(s, user, head[1], deadline) < 0 || dill_brecv(s, &plen, 1, deadline) < 0 ||
      dill_brecv(s, pass, plen, deadline) < 0)
    return -1;
  user[head[1]] = 0;
  pass[plen] = 0;
  // A zero inside either would make the check see less than was sent.
  bool ok = !std::memchr(user, 0, head[1]) && !std::memchr(pass, 0, plen) && auth_fn(user, pass);
  std::uint8_t verdict[2] = {kAuthVersion, ok ? kAuthOk : kAuthRefused};
  if (dill_bsend(s, verdict, 2, deadline) < 0) return -1;
  return ok ? 0 : fail_with(EACCES);
}

DILL_EXPORT int dill_socks5_proxy_recvcommand(int s, struct dill_ipaddr* ipaddr,
                                              int64_t deadline) {
  if (!ipaddr) return fail_with(EINVAL);
  if (need_bytestream(s) < 0) return -1;
  Command c;
  if (recv_command(s, &c, true, deadline) < 0) return -1;
  char text[kMaxField + 1];
  address_text(c, text, sizeof text);
  int mode = c.type == kIpv4 ? DILL_IPADDR_IPV4 : c.type == kIpv6 ? DILL_IPADDR_IPV6 : DILL_IPADDR_PREF_IPV4;
  if (dill_ipaddr_remote(ipaddr, text, c.port, mode, deadline) < 0) return -1;
  return c.code;
}

DILL_EXPORT int dill_socks5_proxy_recvcommandbyname(int s, char* host, int* port,
                                                    int64_t deadline) {
  if (!host || !port) return fail_with(EINVAL);
  if (need_bytestream(s) < 0) return -1;
  Command c;
  if (recv_command(s, &c, true, deadline) < 0) return -1;
  address_text(c, host, kMaxField + 1);
  *port = c.port;
  return c.code;
}

DILL_EXPORT int dill_socks5_proxy_sendreply(int s, int reply, struct dill_ipaddr* ipaddr,
                                            int64_t deadline) {
  if (reply < DILL_SOCKS5_SUCCESS || reply > DILL_SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED)
    return fail_with(EINVAL);
  if (need_bytestream(s) < 0) return -1;
  Command c{};
  c.code = static_cast<std::uint8_t>(reply);
  if (from_ipaddr(ipaddr, &c) < 0) return -1;
  return send_command(s, c, deadline);
}

}  // extern "C"
