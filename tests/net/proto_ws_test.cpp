// WebSockets: the handshake, messages both ways, the close handshake, and
// frames a hostile peer can send.
#include "proto_support.hpp"

#include <algorithm>

#include <vector>

using namespace proto_test;

namespace {

coroutine void ws_server(int s, int* result, char* resource, char* host) {
  int w = ws_attach_server(s, WS_TEXT, resource, 64, host, 64, soon());
  if (w < 0) {
    *result = errno;
    return;
  }
  char buf[70000];
  int flags = -1;
  for (;;) {
    ssize_t n = ws_recv(w, &flags, buf, sizeof buf, soon());
    if (n < 0) break;
    if (ws_send(w, flags, buf, static_cast<size_t>(n), soon()) < 0) break;
  }
  *result = errno;
  int u = ws_detach(w, 1000, "bye", 3, soon());
  if (u >= 0) hclose(u);
}

/// A server-side frame header as a raw peer would write it (unmasked).
std::string frame(uint8_t first, const std::string& payload) {
  std::string f;
  f += static_cast<char>(first);
  f += static_cast<char>(payload.size());
  return f + payload;
}

/// A client whose handshake was done by hand (WS_NOHTTP) facing a raw server.
struct RawServer {
  StreamPair p;
  int ws = -1;
  RawServer() {
    ws = ws_attach_client(p.take(0), WS_NOHTTP | WS_BINARY, nullptr, nullptr, soon());
    REQUIRE(ws >= 0);
  }
  ~RawServer() {
    if (ws >= 0) hclose(ws);
  }
  int recv_errno() {
    char buf[64];
    int flags;
    ssize_t n = ws_recv(ws, &flags, buf, sizeof buf, soon());
    return n < 0 ? errno : 0;
  }
};

}  // namespace

TEST_CASE("the response key of RFC 6455's example is the one the RFC gives") {
  char key[WS_KEY_SIZE];
  REQUIRE(ws_response_key("dGhlIHNhbXBsZSBub25jZQ==", key) == 0);
  CHECK(std::string(key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(ws_response_key("not base64!", key) == -1);
  CHECK(errno == EPROTO);
  char request[WS_KEY_SIZE], again[WS_KEY_SIZE];
  REQUIRE(ws_request_key(request) == 0);
  REQUIRE(ws_request_key(again) == 0);
  CHECK(std::string(request).size() == 24);
  CHECK(std::string(request) != std::string(again));
}

TEST_CASE("a client and a server shake hands over HTTP and echo text and binary messages of every length class") {
  StreamPair p;
  int result = -1;
  char resource[64] = {}, host[64] = {};
  int srv = go(ws_server(p.take(1), &result, resource, host));
  REQUIRE(srv >= 0);
  struct ws_storage mem;
  int c = ws_attach_client_mem(p.take(0), WS_TEXT, "/chat", "example.org", &mem, soon());
  REQUIRE(c >= 0);
  CHECK(std::string(resource) == "/chat");
  CHECK(std::string(host) == "example.org");
  // 125, 126 and 65536 bytes: the three ways a frame's length is written.
  for (size_t len : {size_t{0}, size_t{5}, size_t{125}, size_t{126}, size_t{65536}}) {
    std::vector<char> out(len), in(len + 1);
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<char>('a' + i % 26);
    int kind = len % 2 ? WS_BINARY : WS_TEXT;
    REQUIRE(ws_send(c, kind, out.data(), len, soon()) == 0);
    int flags = -1;
    REQUIRE(ws_recv(c, &flags, in.data(), in.size(), soon()) == static_cast<ssize_t>(len));
    CHECK(flags == kind);
    CHECK(std::equal(out.begin(), out.end(), in.begin()));
  }
  // msend/mrecv speak the kind the socket was attached with.
  REQUIRE(msend(c, "via msend", 9, soon()) == 0);
  char buf[16];
  REQUIRE(mrecv(c, buf, sizeof buf, soon()) == 9);
  // The close handshake: ours, then the server's answer with its status.
  int u = ws_detach(c, 1001, "going away", 10, soon());
  REQUIRE(u >= 0);
  CHECK(bundle_wait(srv, soon()) == 0);
  CHECK(result == EPIPE);
  hclose(srv);
  hclose(u);
}

TEST_CASE("the peer's close status and reason are read with ws_status after EPIPE") {
  StreamPair p;
  int c = ws_attach_client(p.take(0), WS_NOHTTP, nullptr, nullptr, soon());
  int s = ws_attach_server(p.take(1), WS_NOHTTP, nullptr, 0, nullptr, 0, soon());
  REQUIRE(c >= 0);
  REQUIRE(s >= 0);
  int status = 0;
  char reason[16];
  CHECK(ws_status(c, &status, reason, sizeof reason) == -1);
  CHECK(errno == EAGAIN);
  REQUIRE(ws_done(s, 4000, "done here", 9, soon()) == 0);
  CHECK(ws_send(s, WS_BINARY, "x", 1, soon()) == -1);
  CHECK(errno == EPIPE);
  char buf[8];
  CHECK(ws_recv(c, nullptr, buf, sizeof buf, soon()) == -1);
  CHECK(errno == EPIPE);
  CHECK(ws_status(c, &status, reason, sizeof reason) == 9);
  CHECK(status == 4000);
  CHECK(std::string(reason, 9) == "done here");
  CHECK(ws_done(c, 999, nullptr, 0, soon()) == -1);
  CHECK(errno == EINVAL);
  hclose(c);
  hclose(s);
}

TEST_CASE("a ping from the peer is answered with a pong carrying its payload") {
  RawServer r;
  send_raw(r.p.s[1], frame(0x89, "ping!") + frame(0x82, "data"));
  char buf[8];
  int flags;
  REQUIRE(ws_recv(r.ws, &flags, buf, sizeof buf, soon()) == 4);
  // The client's pong is masked: header, 4 mask bytes, 5 payload bytes.
  std::string pong = recv_raw(r.p.s[1], 2 + 4 + 5);
  CHECK(static_cast<uint8_t>(pong[0]) == 0x8a);
  CHECK(static_cast<uint8_t>(pong[1]) == (0x80 | 5));
  std::string unmasked;
  for (int i = 0; i < 5; ++i) unmasked += static_cast<char>(pong[6 + i] ^ pong[2 + i % 4]);
  CHECK(unmasked == "ping!");
}

TEST_CASE("a fragmented message is reassembled, with a control frame between its fragments") {
  RawServer r;
  send_raw(r.p.s[1], frame(0x01, "frag") + frame(0x8a, "") + frame(0x00, "men") + frame(0x80, "ted"));
  char buf[16];
  int flags = -1;
  REQUIRE(ws_recv(r.ws, &flags, buf, sizeof buf, soon()) == 10);
  CHECK(flags == WS_TEXT);
  CHECK(std::string(buf, 10) == "fragmented");
}

TEST_CASE("bad frames from the peer are EPROTO and break the socket") {
  const std::string bad[] = {
      frame(0xc2, "rsv"),                        // a reserved bit
      frame(0x83, "op"),                         // an unknown data opcode
      frame(0x8b, "op"),                         // an unknown control opcode
      frame(0x80, "cont"),                       // a continuation with nothing to continue
      frame(0x09, "ping"),                       // a fragmented control frame
      frame(0x01, "a") + frame(0x82, "b"),       // a new message inside a fragmented one
      frame(0x88, "x"),                          // a close frame with a 1-byte status
      frame(0x88, std::string("\x03\xe7", 2)),   // close status 999
      std::string("\x89\x7e\x00\x7e", 4) + std::string(126, 'p'),  // a 126-byte ping
      std::string("\x82\x85mask!", 7),           // a masked frame from the server
      std::string("\x82\x7f\x80\0\0\0\0\0\0\0", 10),  // a 64-bit length with the top bit set
  };
  for (const std::string& f : bad) {
    RawServer r;
    send_raw(r.p.s[1], f);
    CHECK(r.recv_errno() == EPROTO);
    CHECK(r.recv_errno() == ECONNRESET);
  }
}

TEST_CASE("a frame larger than the buffer is EMSGSIZE and a truncated one from a departing peer EPIPE") {
  {
    RawServer r;
    send_raw(r.p.s[1], frame(0x82, std::string(100, 'x')));
    CHECK(r.recv_errno() == EMSGSIZE);
  }
  {
    RawServer r;
    send_raw(r.p.s[1], std::string("\x82\x32", 2) + "short of fifty");
    hclose(r.p.take(1));
    CHECK(r.recv_errno() == EPIPE);
  }
}

TEST_CASE("a server refuses an upgrade request without the websocket fields with EPROTO") {
  StreamPair p;
  send_raw(p.s[1], "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n");
  char resource[16], host[16];
  CHECK(ws_attach_server(p.take(0), 0, resource, sizeof resource, host, sizeof host, soon()) == -1);
  CHECK(errno == EPROTO);
}

TEST_CASE("a client refuses a server that answers with a wrong accept key with EPROTO") {
  StreamPair p;
  send_raw(p.s[1],
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  CHECK(ws_attach_client(p.take(0), 0, "/", "h", soon()) == -1);
  CHECK(errno == EPROTO);
}

TEST_CASE("a handshake that gets no answer ends at its deadline with ETIMEDOUT") {
  StreamPair p;
  CHECK(ws_attach_client(p.take(0), 0, "/", "h", now() + 20) == -1);
  CHECK(errno == ETIMEDOUT);
}
