// What the protocol tests share: socket pairs, bounded deadlines, a raw
// TCP peer that can reset, and peers that write bytes of their choosing.
// First: <libdill.h> defines a `coroutine` macro that other headers must not see.
#pragma once

#include <libdill.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <string>

namespace proto_test {

/// Every blocking call in these tests has a deadline: long enough never to
/// be reached by a passing test on a loaded machine, short enough that a
/// failing one ends.
inline int64_t soon() { return now() + 10000; }

/// Two connected bytestreams (UNIX socket pair), closed at the end unless
/// a test took them over (set to -1).
struct StreamPair {
  int s[2] = {-1, -1};
  StreamPair() { REQUIRE(ipc_pair(s) == 0); }
  ~StreamPair() {
    for (int h : s)
      if (h >= 0) hclose(h);
  }
  /// Hands side i to a protocol that takes it over.
  int take(int i) { return std::exchange(s[i], -1); }
};

/// A loopback TCP connection: [0] connected, [1] accepted.
struct TcpPair {
  int s[2] = {-1, -1};
  TcpPair() {
    struct ipaddr addr;
    REQUIRE(ipaddr_local(&addr, "127.0.0.1", 0, IPADDR_IPV4) == 0);
    int listener = tcp_listen(&addr, 8);
    REQUIRE(listener >= 0);
    struct ipaddr bound;
    REQUIRE(ipaddr_remote(&bound, "127.0.0.1", ipaddr_port(&addr), IPADDR_IPV4, soon()) == 0);
    s[0] = tcp_connect(&bound, soon());
    REQUIRE(s[0] >= 0);
    s[1] = tcp_accept(listener, nullptr, soon());
    REQUIRE(s[1] >= 0);
    hclose(listener);
  }
  ~TcpPair() {
    for (int h : s)
      if (h >= 0) hclose(h);
  }
  int take(int i) { return std::exchange(s[i], -1); }
};

/// Writes raw bytes to a stream, as a hostile or broken peer would.
inline void send_raw(int s, const std::string& bytes) {
  REQUIRE(bsend(s, bytes.data(), bytes.size(), soon()) == 0);
}

/// The bytes a protocol wrote on the wire, read from the other end.
inline std::string recv_raw(int s, size_t n) {
  std::string out(n, '\0');
  REQUIRE(brecv(s, out.data(), n, soon()) == 0);
  return out;
}

}  // namespace proto_test
