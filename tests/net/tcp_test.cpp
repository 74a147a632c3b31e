// TCP over loopback: each call's success path and its errno paths.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "net_support.hpp"

using nettest::soon;

namespace {

struct Accepted {
  int handle = -1;  // the accepted connection, or -1
  int error = 0;    // errno when there is none
};

coroutine void accept_one(int listener, Accepted* out) {
  out->handle = tcp_accept(listener, nullptr, soon());
  out->error = out->handle < 0 ? errno : 0;
}

/// A connected pair over loopback: [0] the client's end, [1] the server's.
/// On loopback the kernel completes the handshake before anyone accepts.
bool connected_pair(int ends[2]) {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  if (l < 0) return false;
  ends[0] = tcp_connect(&where, soon());
  ends[1] = ends[0] >= 0 ? tcp_accept(l, nullptr, soon()) : -1;
  hclose(l);
  return ends[0] >= 0 && ends[1] >= 0;
}

coroutine void receive_into(int s, char* buf, size_t len, int* rc, int* err) {
  *rc = brecv(s, buf, len, soon());
  *err = *rc ? errno : 0;
}

}  // namespace

TEST_CASE("a TCP connection carries bytes both ways and the receiver sees EPIPE after done") {
  int s[2];
  REQUIRE(connected_pair(s));
  REQUIRE(bsend(s[0], "hello", 5, soon()) == 0);
  char buf[8] = {};
  REQUIRE(brecv(s[1], buf, 5, soon()) == 0);
  CHECK(std::string(buf, 5) == "hello");
  REQUIRE(bsend(s[1], "back", 4, soon()) == 0);
  REQUIRE(brecv(s[0], buf, 4, soon()) == 0);
  CHECK(std::string(buf, 4) == "back");
  REQUIRE(tcp_done(s[0], soon()) == 0);
  CHECK(brecv(s[1], buf, 1, soon()) == -1);
  CHECK(errno == EPIPE);
  // Later receives keep saying the peer ended.
  CHECK(brecv(s[1], buf, 1, soon()) == -1);
  CHECK(errno == EPIPE);
  CHECK(hclose(s[0]) == 0);
  CHECK(hclose(s[1]) == 0);
}

TEST_CASE("tcp_listen with port 0 reports the port the kernel chose") {
  struct ipaddr where;
  REQUIRE(ipaddr_local(&where, "127.0.0.1", 0, 0) == 0);
  int l = tcp_listen(&where, 4);
  REQUIRE(l >= 0);
  CHECK(ipaddr_port(&where) > 0);
  CHECK(hclose(l) == 0);
}

TEST_CASE("tcp_listen on a port that is already listened on fails with EADDRINUSE") {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  CHECK(tcp_listen(&where, 4) == -1);
  CHECK(errno == EADDRINUSE);
  hclose(l);
}

TEST_CASE("tcp_connect to a port nothing listens on fails with ECONNREFUSED") {
  int port = nettest::free_port();
  REQUIRE(port > 0);
  struct ipaddr to;
  REQUIRE(ipaddr_remote(&to, "127.0.0.1", port, 0, soon()) == 0);
  CHECK(tcp_connect(&to, soon()) == -1);
  CHECK(errno == ECONNREFUSED);
}

TEST_CASE("tcp_accept gives ETIMEDOUT at its deadline when nobody connects") {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  std::int64_t deadline = now() + 30;
  CHECK(tcp_accept(l, nullptr, deadline) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(now() >= deadline);
  hclose(l);
}

TEST_CASE("tcp_accept fills in the peer's address") {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  // On loopback the kernel completes the handshake before anyone accepts.
  int c = tcp_connect(&where, soon());
  REQUIRE(c >= 0);
  struct ipaddr peer;
  int a = tcp_accept(l, &peer, soon());
  REQUIRE(a >= 0);
  char text[IPADDR_MAXSTRLEN];
  CHECK(std::string(ipaddr_str(&peer, text)) == "127.0.0.1");
  CHECK(ipaddr_port(&peer) > 0);
  CHECK(ipaddr_port(&peer) != ipaddr_port(&where));
  hclose(a);
  hclose(c);
  hclose(l);
}

TEST_CASE("closing a coroutine blocked in tcp_accept makes the accept fail with ECANCELED") {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  Accepted a;
  int cr = go(accept_one(l, &a));
  REQUIRE(msleep(now() + 10) == 0);
  CHECK(hclose(cr) == 0);
  CHECK(a.handle == -1);
  CHECK(a.error == ECANCELED);
  // The listener still works afterwards.
  int cr2 = bundle();
  REQUIRE(cr2 >= 0);
  REQUIRE(bundle_go(cr2, accept_one(l, &a)) == 0);
  int c = tcp_connect(&where, soon());
  REQUIRE(c >= 0);
  REQUIRE(bundle_wait(cr2, soon()) == 0);
  hclose(cr2);
  CHECK(a.handle >= 0);
  hclose(a.handle);
  hclose(c);
  hclose(l);
}

TEST_CASE("closing a coroutine blocked in brecv makes the receive fail with ECANCELED") {
  int s[2];
  REQUIRE(connected_pair(s));
  char buf[4];
  int rc = 0, err = 0;
  int cr = go(receive_into(s[1], buf, sizeof buf, &rc, &err));
  REQUIRE(msleep(now() + 10) == 0);
  CHECK(hclose(cr) == 0);
  CHECK(rc == -1);
  CHECK(err == ECANCELED);
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("brecv times out with ETIMEDOUT at its deadline and the stream is broken after") {
  int s[2];
  REQUIRE(connected_pair(s));
  char buf[4];
  std::int64_t deadline = now() + 30;
  CHECK(brecv(s[1], buf, sizeof buf, deadline) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(now() >= deadline);
  // Part of a message may have been consumed: the stream's place is lost.
  CHECK(brecv(s[1], buf, sizeof buf, deadline) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(tcp_close(s[1], soon()) == -1);
  CHECK(errno == ECONNRESET);
  hclose(s[0]);
}

TEST_CASE("brecv assembles a message that arrives in pieces") {
  int s[2];
  REQUIRE(connected_pair(s));
  char buf[10] = {};
  int rc = 1, err = 0;
  int cr = bundle();
  REQUIRE(cr >= 0);
  REQUIRE(bundle_go(cr, receive_into(s[1], buf, sizeof buf, &rc, &err)) == 0);
  for (char c = '0'; c <= '9'; ++c) {
    REQUIRE(bsend(s[0], &c, 1, soon()) == 0);
    REQUIRE(msleep(now() + 1) == 0);  // each byte its own segment
  }
  REQUIRE(bundle_wait(cr, soon()) == 0);
  hclose(cr);
  CHECK(rc == 0);
  CHECK(std::string(buf, 10) == "0123456789");
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("a peer that resets in the middle of a message makes brecv fail with ECONNRESET") {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  // The peer is a plain kernel socket, so that it can reset on purpose.
  int raw = nettest::raw_client(where);
  REQUIRE(raw >= 0);
  int s = tcp_accept(l, nullptr, soon());
  REQUIRE(s >= 0);
  REQUIRE(send(raw, "ha", 2, 0) == 2);
  struct linger reset_on_close = {1, 0};
  REQUIRE(setsockopt(raw, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close) == 0);
  close(raw);
  char buf[8];
  CHECK(brecv(s, buf, sizeof buf, soon()) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(brecv(s, buf, 1, soon()) == -1);
  CHECK(errno == ECONNRESET);
  hclose(s);
  hclose(l);
}

TEST_CASE("bsend to a peer that closed without reading fails with ECONNRESET") {
  int s[2];
  REQUIRE(connected_pair(s));
  REQUIRE(bsend(s[0], "unread", 6, soon()) == 0);
  REQUIRE(msleep(now() + 10) == 0);
  hclose(s[1]);  // closes with unread bytes: the kernel resets
  std::vector<char> block(4096, 'x');
  int rc = 0;
  for (int i = 0; i != 1000 && rc == 0; ++i) rc = bsend(s[0], block.data(), block.size(), soon());
  CHECK(rc == -1);
  CHECK(errno == ECONNRESET);
  // The sending side stays broken.
  CHECK(bsend(s[0], "x", 1, soon()) == -1);
  CHECK(errno == ECONNRESET);
  hclose(s[0]);
}

TEST_CASE("after tcp_done, bsend and a second tcp_done fail with EPIPE; receiving goes on") {
  int s[2];
  REQUIRE(connected_pair(s));
  REQUIRE(tcp_done(s[0], soon()) == 0);
  CHECK(bsend(s[0], "x", 1, soon()) == -1);
  CHECK(errno == EPIPE);
  CHECK(tcp_done(s[0], soon()) == -1);
  CHECK(errno == EPIPE);
  REQUIRE(bsend(s[1], "ok", 2, soon()) == 0);
  char buf[2];
  CHECK(brecv(s[0], buf, 2, soon()) == 0);
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("tcp_close finishes gracefully once the peer ends too") {
  int s[2];
  REQUIRE(connected_pair(s));
  REQUIRE(tcp_done(s[1], soon()) == 0);  // the peer has ended its side
  REQUIRE(bsend(s[0], "bye", 3, soon()) == 0);
  CHECK(tcp_close(s[0], soon()) == 0);
  char buf[3];
  CHECK(brecv(s[1], buf, 3, soon()) == 0);
  CHECK(brecv(s[1], buf, 1, soon()) == -1);
  CHECK(errno == EPIPE);
  hclose(s[1]);
}

TEST_CASE("tcp_close gives ETIMEDOUT when the peer never ends, and closes the handle anyway") {
  int s[2];
  REQUIRE(connected_pair(s));
  std::int64_t deadline = now() + 30;
  CHECK(tcp_close(s[0], deadline) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(hclose(s[0]) == -1);
  CHECK(errno == EBADF);
  hclose(s[1]);
}

TEST_CASE("tcp calls on a handle of the wrong kind fail with ENOTSUP, on no handle with EBADF") {
  int s[2];
  REQUIRE(connected_pair(s));
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  char buf[4];
  CHECK(tcp_accept(s[0], nullptr, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(bsend(l, "x", 1, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(brecv(l, buf, 1, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(msend(s[0], "x", 1, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(mrecv(s[0], buf, 1, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(tcp_done(l, soon()) == -1);
  CHECK(errno == ENOTSUP);
  int ch[2];
  REQUIRE(chmake(ch) == 0);
  CHECK(tcp_close(ch[0], soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(bsend(ch[0], "x", 1, soon()) == -1);
  CHECK(errno == ENOTSUP);
  hclose(ch[0]);
  hclose(ch[1]);
  CHECK(bsend(-1, "x", 1, soon()) == -1);
  CHECK(errno == EBADF);
  CHECK(tcp_accept(987654, nullptr, soon()) == -1);
  CHECK(errno == EBADF);
  hclose(l);
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("two coroutines receiving on one stream at once: the second gets EBUSY") {
  int s[2];
  REQUIRE(connected_pair(s));
  char a[1], b[1];
  int rc = 0, err = 0;
  int cr = bundle();
  REQUIRE(cr >= 0);
  REQUIRE(bundle_go(cr, receive_into(s[1], a, 1, &rc, &err)) == 0);
  CHECK(brecv(s[1], b, 1, soon()) == -1);
  CHECK(errno == EBUSY);
  REQUIRE(bsend(s[0], "z", 1, soon()) == 0);
  REQUIRE(bundle_wait(cr, soon()) == 0);
  hclose(cr);
  CHECK(rc == 0);
  CHECK(a[0] == 'z');
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("a megabyte crosses a TCP connection intact in both directions at once") {
  int s[2];
  REQUIRE(connected_pair(s));
  constexpr size_t bytes = 1 << 20;
  std::vector<unsigned char> out(bytes), in(bytes), back(bytes);
  for (size_t i = 0; i != bytes; ++i) out[i] = static_cast<unsigned char>(i * 7 + 3);
  int rc = 1, err = 0;
  int cr = bundle();
  REQUIRE(cr >= 0);
  REQUIRE(bundle_go(cr, receive_into(s[1], reinterpret_cast<char*>(in.data()), bytes, &rc, &err)) == 0);
  REQUIRE(bsend(s[0], out.data(), bytes, soon()) == 0);
  REQUIRE(bundle_wait(cr, soon()) == 0);
  hclose(cr);
  REQUIRE(rc == 0);
  CHECK(in == out);
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("tcp_fromfd adopts a connected socket; a UDP or listening socket is EINVAL") {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  int raw = nettest::raw_client(where);
  REQUIRE(raw >= 0);
  int s = tcp_fromfd(raw);
  REQUIRE(s >= 0);
  int a = tcp_accept(l, nullptr, soon());
  REQUIRE(a >= 0);
  REQUIRE(bsend(a, "abc", 3, soon()) == 0);
  char buf[3];
  CHECK(brecv(s, buf, 3, soon()) == 0);
  CHECK(std::string(buf, 3) == "abc");
  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(tcp_fromfd(udp) == -1);
  CHECK(errno == EINVAL);
  CHECK(tcp_listener_fromfd(udp) == -1);
  CHECK(errno == EINVAL);
  close(udp);
  CHECK(tcp_fromfd(-1) == -1);
  CHECK(errno == EBADF);
  hclose(a);
  hclose(s);
  hclose(l);
}

TEST_CASE("tcp_listener_fromfd adopts a listening socket and accepts on it") {
  int raw = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(raw >= 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(raw, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
  REQUIRE(listen(raw, 4) == 0);
  socklen_t len = sizeof any;
  REQUIRE(getsockname(raw, reinterpret_cast<sockaddr*>(&any), &len) == 0);
  CHECK(tcp_fromfd(raw) == -1);  // listening: not a connection
  CHECK(errno == EINVAL);
  int l = tcp_listener_fromfd(raw);
  REQUIRE(l >= 0);
  struct ipaddr to;
  REQUIRE(ipaddr_remote(&to, "127.0.0.1", ntohs(any.sin_port), 0, soon()) == 0);
  int c = tcp_connect(&to, soon());
  REQUIRE(c >= 0);
  int a = tcp_accept(l, nullptr, soon());
  CHECK(a >= 0);
  hclose(a);
  hclose(c);
  hclose(l);
}

TEST_CASE("the _mem forms build listeners and connections in the caller's storage") {
  struct ipaddr where;
  REQUIRE(ipaddr_local(&where, "127.0.0.1", 0, 0) == 0);
  struct tcp_listener_storage lmem;
  struct tcp_storage cmem, amem;
  int l = tcp_listen_mem(&where, 4, &lmem);
  REQUIRE(l >= 0);
  int c = tcp_connect_mem(&where, &cmem, soon());
  REQUIRE(c >= 0);
  int a = tcp_accept_mem(l, nullptr, &amem, soon());
  REQUIRE(a >= 0);
  REQUIRE(bsend(c, "mem", 3, soon()) == 0);
  char buf[3];
  CHECK(brecv(a, buf, 3, soon()) == 0);
  CHECK(std::string(buf, 3) == "mem");
  CHECK(tcp_listen_mem(&where, 4, nullptr) == -1);
  CHECK(errno == EINVAL);
  hclose(a);
  hclose(c);
  hclose(l);
}

TEST_CASE("TCP works over IPv6 loopback") {
  struct ipaddr where;
  REQUIRE(ipaddr_local(&where, "::1", 0, 0) == 0);
  int l = tcp_listen(&where, 4);
  if (l < 0 && errno == EADDRNOTAVAIL) {
    WARN("no IPv6 loopback on this machine");
    return;
  }
  REQUIRE(l >= 0);
  int c = tcp_connect(&where, soon());
  REQUIRE(c >= 0);
  struct ipaddr peer;
  int a = tcp_accept(l, &peer, soon());
  REQUIRE(a >= 0);
  CHECK(ipaddr_family(&peer) == AF_INET6);
  REQUIRE(bsend(a, "six", 3, soon()) == 0);
  char buf[3];
  CHECK(brecv(c, buf, 3, soon()) == 0);
  hclose(a);
  hclose(c);
  hclose(l);
}
