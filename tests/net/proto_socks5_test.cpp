// SOCKS5: a client and a proxy through the API, and each facing a peer
// that breaks the protocol.
#include "proto_support.hpp"

using namespace proto_test;

namespace {

int only_alice(const char* user, const char* password) {
  return std::string(user) == "alice" && std::string(password) == "secret";
}

struct ProxyRun {
  int auth = -1;      ///< errno of socks5_proxy_auth (0: accepted)
  int command = -1;   ///< the command received
  char host[256] = {};
  int port = 0;
};

coroutine void proxy(int s, socks5_auth_function* check, int reply, ProxyRun* run) {
  run->auth = socks5_proxy_auth(s, check, soon()) == 0 ? 0 : errno;
  if (run->auth != 0) return;
  run->command = socks5_proxy_recvcommandbyname(s, run->host, &run->port, soon());
  if (run->command < 0) return;
  struct ipaddr bound;
  if (ipaddr_local(&bound, "127.0.0.1", 1080, IPADDR_IPV4) != 0) return;
  socks5_proxy_sendreply(s, reply, &bound, soon());
}

}  // namespace

TEST_CASE("a client without a password connects by name through a proxy that asks for none") {
  StreamPair p;
  ProxyRun run;
  int h = go(proxy(p.s[1], nullptr, SOCKS5_SUCCESS, &run));
  REQUIRE(socks5_client_connectbyname(p.s[0], nullptr, nullptr, "example.org", 443, soon()) == 0);
  CHECK(bundle_wait(h, soon()) == 0);
  hclose(h);
  CHECK(run.auth == 0);
  CHECK(run.command == SOCKS5_CONNECT);
  CHECK(std::string(run.host) == "example.org");
  CHECK(run.port == 443);
}

TEST_CASE("a client with the right password connects to a literal address through a checking proxy") {
  StreamPair p;
  ProxyRun run;
  int h = go(proxy(p.s[1], only_alice, SOCKS5_SUCCESS, &run));
  struct ipaddr target;
  REQUIRE(ipaddr_remote(&target, "10.1.2.3", 8080, IPADDR_IPV4, soon()) == 0);
  REQUIRE(socks5_client_connect(p.s[0], "alice", "secret", &target, soon()) == 0);
  CHECK(bundle_wait(h, soon()) == 0);
  hclose(h);
  CHECK(std::string(run.host) == "10.1.2.3");
  CHECK(run.port == 8080);
}

TEST_CASE("the proxy resolves a client's literal IPv6 address into an ipaddr") {
  StreamPair p;
  struct ipaddr got;
  int command = -1;
  int h = go([&] {
    if (socks5_proxy_auth(p.s[1], nullptr, soon()) != 0) return;
    command = socks5_proxy_recvcommand(p.s[1], &got, soon());
    if (command >= 0) socks5_proxy_sendreply(p.s[1], SOCKS5_SUCCESS, &got, soon());
  }());
  REQUIRE(socks5_client_connectbyname(p.s[0], nullptr, nullptr, "::1", 22, soon()) == 0);
  CHECK(bundle_wait(h, soon()) == 0);
  hclose(h);
  CHECK(command == SOCKS5_CONNECT);
  CHECK(ipaddr_family(&got) == AF_INET6);
  CHECK(ipaddr_port(&got) == 22);
}

TEST_CASE("a wrong password is EACCES on both sides") {
  StreamPair p;
  ProxyRun run;
  int h = go(proxy(p.s[1], only_alice, SOCKS5_SUCCESS, &run));
  CHECK(socks5_client_connectbyname(p.s[0], "alice", "guess", "x", 1, soon()) == -1);
  CHECK(errno == EACCES);
  CHECK(bundle_wait(h, soon()) == 0);
  hclose(h);
  CHECK(run.auth == EACCES);
}

TEST_CASE("a client offering no password to a proxy that needs one is EACCES") {
  StreamPair p;
  ProxyRun run;
  int h = go(proxy(p.s[1], only_alice, SOCKS5_SUCCESS, &run));
  CHECK(socks5_client_connectbyname(p.s[0], nullptr, nullptr, "x", 1, soon()) == -1);
  CHECK(errno == EACCES);
  CHECK(bundle_wait(h, soon()) == 0);
  hclose(h);
  CHECK(run.auth == EACCES);
}

TEST_CASE("each refusal code of the proxy is the client's errno") {
  const std::pair<int, int> refusals[] = {
      {SOCKS5_GENERAL_FAILURE, EIO},          {SOCKS5_CONNECTION_NOT_ALLOWED, EACCES},
      {SOCKS5_NETWORK_UNREACHABLE, ENETUNREACH}, {SOCKS5_HOST_UNREACHABLE, EHOSTUNREACH},
      {SOCKS5_CONNECTION_REFUSED, ECONNREFUSED}, {SOCKS5_TTL_EXPIRED, ETIMEDOUT},
      {SOCKS5_COMMAND_NOT_SUPPORTED, EOPNOTSUPP}, {SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED, EAFNOSUPPORT}};
  for (auto [reply, expected] : refusals) {
    StreamPair p;
    ProxyRun run;
    int h = go(proxy(p.s[1], nullptr, reply, &run));
    CHECK(socks5_client_connectbyname(p.s[0], nullptr, nullptr, "x", 1, soon()) == -1);
    CHECK(errno == expected);
    CHECK(bundle_wait(h, soon()) == 0);
    hclose(h);
  }
}

TEST_CASE("a proxy speaking another version, or an unknown address type, is EPROTO") {
  {
    StreamPair p;
    send_raw(p.s[1], std::string("\x04\x00", 2));
    CHECK(socks5_client_connectbyname(p.s[0], nullptr, nullptr, "x", 1, soon()) == -1);
    CHECK(errno == EPROTO);
  }
  {
    StreamPair p;
    send_raw(p.s[1], std::string("\x05\x00" "\x05\x00\x00\x09", 6));
    CHECK(socks5_client_connectbyname(p.s[0], nullptr, nullptr, "x", 1, soon()) == -1);
    CHECK(errno == EPROTO);
  }
  {
    StreamPair p;
    send_raw(p.s[1], std::string("\x05\x01\x00" "\x05\x07\x00\x01", 7));
    char host[256];
    int port;
    REQUIRE(socks5_proxy_auth(p.s[0], nullptr, soon()) == 0);
    CHECK(socks5_proxy_recvcommandbyname(p.s[0], host, &port, soon()) == -1);
    CHECK(errno == EPROTO);  // command 7 does not exist
  }
}

TEST_CASE("a client hanging up in the middle of its greeting gives the proxy EPIPE") {
  StreamPair p;
  send_raw(p.s[1], std::string("\x05\x03\x00", 3));
  hclose(p.take(1));
  CHECK(socks5_proxy_auth(p.s[0], nullptr, soon()) == -1);
  CHECK(errno == EPIPE);
}

TEST_CASE("names over 255 bytes, bad ports and replies outside the codes are EINVAL") {
  StreamPair p;
  std::string long_name(256, 'n');
  CHECK(socks5_client_connectbyname(p.s[0], nullptr, nullptr, long_name.c_str(), 1, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(socks5_client_connectbyname(p.s[0], nullptr, nullptr, "x", 70000, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(socks5_proxy_sendreply(p.s[0], 9, nullptr, soon()) == -1);
  CHECK(errno == EINVAL);
}
