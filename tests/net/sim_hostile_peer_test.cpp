// Hostile peers under the simulator: for each protocol, a peer that cuts a
// frame short, announces one larger than the receiver takes, sends garbage
// where a header belongs, or resets the connection in the middle of a
// message. Over simulated TCP, whose seeded latency and piecewise delivery
// cut every write at other places on every seed, the receiver gets the
// documented errno: never a crash, a hang or a message made of garbage.
// First: <libdill.h> defines a `coroutine` macro that other headers must not see.
#include <libdill.h>

#include <canopy/sim/catch.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <string>

namespace {

/// A simulated TCP connection: [0] the victim's end, [1] the hostile peer's.
void connected(int s[2]) {
  struct ipaddr addr;
  if (ipaddr_local(&addr, "127.0.0.1", 0, IPADDR_IPV4) != 0) canopy::sim::fail("no address");
  int listener = tcp_listen(&addr, 4);
  if (listener < 0) canopy::sim::fail("no listener");
  s[0] = tcp_connect(&addr, now() + 1000);
  s[1] = tcp_accept(listener, nullptr, now() + 1000);
  if (s[0] < 0 || s[1] < 0) canopy::sim::fail("no connection");
  hclose(listener);
}

/// The peer's raw bytes, all of them.
void send_raw(int s, const std::string& bytes) {
  if (bsend(s, bytes.data(), bytes.size(), now() + 1000) != 0) canopy::sim::fail("the peer could not send");
}

/// Fails the run unless `rc` is -1 with errno `expected`.
void expect_error(long rc, int expected, const char* what) {
  int got = errno;
  if (rc != -1 || got != expected)
    canopy::sim::fail(std::string(what) + ": expected " + std::strerror(expected) + ", got rc " + std::to_string(rc) +
                      " errno " + std::strerror(got));
}

/// The peer hangs up (end of stream) after `bytes`.
coroutine void hang_up_after(int peer, const char* bytes, size_t n) {
  if (bsend(peer, bytes, n, now() + 1000) == 0) hclose(peer);
}

canopy::sim::check_settings settings() {
  canopy::sim::check_settings s;
  s.seeds = 25;
  s.strategies = {canopy::sim::strategy::fifo, canopy::sim::strategy::random, canopy::sim::strategy::pct};
  return s;
}

const char frame_of_10_cut_at_3[] = {0, 0, 0, 10, 'a', 'b', 'c'};

}  // namespace

TEST_CASE("under the simulator a prefix frame cut short is EPIPE, one over the buffer EMSGSIZE, a reset mid-frame ECONNRESET") {
  CANOPY_SIM_CHECK(settings(), [] {
    char buf[64];
    int s[2];
    connected(s);
    int m = prefix_attach(s[0], 4, PREFIX_BIG_ENDIAN);
    int h = go(hang_up_after(s[1], frame_of_10_cut_at_3, sizeof frame_of_10_cut_at_3));
    expect_error(mrecv(m, buf, sizeof buf, now() + 1000), EPIPE, "a truncated frame");
    hclose(h);
    hclose(m);

    connected(s);
    m = prefix_attach(s[0], 4, PREFIX_BIG_ENDIAN);
    send_raw(s[1], std::string("\0\0\x10\0", 4) + std::string(4096, 'z'));
    expect_error(mrecv(m, buf, sizeof buf, now() + 1000), EMSGSIZE, "a 4096-byte frame into 64 bytes");
    hclose(m);
    hclose(s[1]);

    connected(s);
    send_raw(s[0], "x");  // the peer never reads it: its close is a reset
    m = prefix_attach(s[0], 4, PREFIX_BIG_ENDIAN);
    send_raw(s[1], std::string(frame_of_10_cut_at_3, sizeof frame_of_10_cut_at_3));
    msleep(now() + 50);
    hclose(s[1]);
    expect_error(mrecv(m, buf, sizeof buf, now() + 1000), ECONNRESET, "a reset mid-frame");
    hclose(m);
  });
}

TEST_CASE("under the simulator a suffix message with no delimiter in the buffer is EMSGSIZE, cut short EPIPE") {
  CANOPY_SIM_CHECK(settings(), [] {
    char buf[16];
    int s[2];
    connected(s);
    int m = suffix_attach(s[0], "\r\n", 2);
    send_raw(s[1], std::string(100, 'q') + "\r\n");
    expect_error(mrecv(m, buf, sizeof buf, now() + 1000), EMSGSIZE, "no delimiter within 16 bytes");
    hclose(m);
    hclose(s[1]);

    connected(s);
    m = suffix_attach(s[0], "\r\n", 2);
    int h = go(hang_up_after(s[1], "half a line", 11));
    expect_error(mrecv(m, buf, sizeof buf, now() + 1000), EPIPE, "a line cut short");
    hclose(h);
    hclose(m);
  });
}

TEST_CASE("under the simulator garbage in an HTTP request line or field is EPROTO, a reset mid-heads ECONNRESET") {
  CANOPY_SIM_CHECK(settings(), [] {
    char command[16], resource[64], name[32], value[64];
    int s[2];
    connected(s);
    int h = http_attach(s[0]);
    send_raw(s[1], "GET\r\n");
    expect_error(http_recvrequest(h, command, sizeof command, resource, sizeof resource, now() + 1000), EPROTO,
                 "a request line without a resource");
    hclose(h);
    hclose(s[1]);

    connected(s);
    h = http_attach(s[0]);
    send_raw(s[1], "GET / HTTP/1.1\r\nno colon here\r\n");
    if (http_recvrequest(h, command, sizeof command, resource, sizeof resource, now() + 1000) != 0)
      canopy::sim::fail("a good request line was refused");
    expect_error(http_recvfield(h, name, sizeof name, value, sizeof value, now() + 1000), EPROTO, "a field without a colon");
    hclose(h);
    hclose(s[1]);

    connected(s);
    send_raw(s[0], "x");  // the peer never reads it: its close is a reset
    h = http_attach(s[0]);
    send_raw(s[1], "GET / HTTP/1.1\r\nHost: exa");
    msleep(now() + 50);
    hclose(s[1]);
    if (http_recvrequest(h, command, sizeof command, resource, sizeof resource, now() + 1000) == 0) {
      expect_error(http_recvfield(h, name, sizeof name, value, sizeof value, now() + 1000), ECONNRESET,
                   "a reset in the middle of a field");
    } else if (errno != ECONNRESET) {
      canopy::sim::fail(std::string("a reset mid-heads gave ") + std::strerror(errno));
    }
    hclose(h);
  });
}

TEST_CASE("under the simulator a websocket peer's bad handshake is EPROTO, an oversize frame EMSGSIZE, a cut one EPIPE") {
  CANOPY_SIM_CHECK(settings(), [] {
    char resource[64], host[64], buf[16];
    int s[2];
    connected(s);
    send_raw(s[1], "GET / HTTP/1.1\r\nHost: a\r\n\r\n");  // no Upgrade, no key
    expect_error(ws_attach_server(s[0], WS_BINARY, resource, sizeof resource, host, sizeof host, now() + 1000), EPROTO,
                 "a handshake without the websocket fields");
    hclose(s[1]);

    connected(s);
    int w = ws_attach_client(s[0], WS_BINARY | WS_NOHTTP, "/", "a", now() + 1000);
    if (w < 0) canopy::sim::fail("no websocket");
    send_raw(s[1], std::string("\x82\x7e\x01\x00", 4) + std::string(256, 'w'));  // 256 bytes, unmasked
    int flags = 0;
    expect_error(ws_recv(w, &flags, buf, sizeof buf, now() + 1000), EMSGSIZE, "a 256-byte message into 16 bytes");
    hclose(w);
    hclose(s[1]);

    connected(s);
    w = ws_attach_client(s[0], WS_BINARY | WS_NOHTTP, "/", "a", now() + 1000);
    if (w < 0) canopy::sim::fail("no websocket");
    static const char cut[] = {'\x82', 10, 'a', 'b'};
    int h = go(hang_up_after(s[1], cut, sizeof cut));
    expect_error(ws_recv(w, &flags, buf, sizeof buf, now() + 1000), EPIPE, "a frame cut short");
    hclose(h);
    hclose(w);
  });
}

TEST_CASE("under the simulator a socks5 peer speaking another version is EPROTO, one hanging up mid-greeting EPIPE") {
  CANOPY_SIM_CHECK(settings(), [] {
    int s[2];
    connected(s);
    send_raw(s[1], std::string("\x04\x01\x00", 3));  // SOCKS4's version
    expect_error(socks5_proxy_auth(s[0], nullptr, now() + 1000), EPROTO, "a version 4 greeting");
    hclose(s[0]);
    hclose(s[1]);

    connected(s);
    static const char half[] = {5};
    int h = go(hang_up_after(s[1], half, sizeof half));
    expect_error(socks5_proxy_auth(s[0], nullptr, now() + 1000), EPIPE, "a greeting cut short");
    hclose(h);
    hclose(s[0]);

    connected(s);
    send_raw(s[1], std::string("\x05\x07", 2));  // a method the client never offered
    struct ipaddr to;
    ipaddr_local(&to, "10.0.0.9", 80, IPADDR_IPV4);
    expect_error(socks5_client_connect(s[0], nullptr, nullptr, &to, now() + 1000), EPROTO, "an unoffered method");
    hclose(s[0]);
    hclose(s[1]);
  });
}
