// The protocols' C++ face: owning types, std::span buffers, std::chrono
// deadlines, canopy::result. The streams below come from the C API.
#include <canopy/canopy.hpp>
#include <canopy/net/framing.hpp>
#include <canopy/net/http.hpp>
#include <canopy/net/socks5.hpp>
#include <canopy/net/websocket.hpp>
#define DILL_DISABLE_RAW_NAMES
#include <libdill.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <optional>
#include <span>
#include <string>

using namespace std::chrono_literals;
using canopy::after;
using namespace canopy::net;

namespace {

/// Two connected streams, owned.
std::pair<socket_handle, socket_handle> stream_pair() {
  int s[2];
  REQUIRE(dill_ipc_pair(s) == 0);
  return {socket_handle(s[0]), socket_handle(s[1])};
}

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string text_of(std::span<std::byte> buf, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(buf.data()), n);
}

}  // namespace

TEST_CASE("prefix sockets made in C++ exchange messages and report an oversize one as EMSGSIZE") {
  auto [x, y] = stream_pair();
  auto a = prefix_socket::attach(std::move(x), 4);
  auto b = prefix_socket::attach(std::move(y), 4);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->send(bytes_of("hello"), after(10s)).ok());
  std::byte buf[8];
  auto n = b->recv(buf, after(10s));
  REQUIRE(n.ok());
  CHECK(text_of(buf, *n) == "hello");
  REQUIRE(a->send(bytes_of("far too long"), after(10s)).ok());
  auto too_long = b->recv(buf, after(10s));
  CHECK(too_long.error().error() == EMSGSIZE);
}

TEST_CASE("a receive on a C++ prefix socket times out at its std::chrono deadline") {
  auto [x, y] = stream_pair();
  auto a = prefix_socket::attach(std::move(x), 2, prefix_socket::byte_order::little_endian);
  REQUIRE(a.ok());
  std::byte buf[8];
  auto t0 = canopy::clock::now();
  auto r = a->recv(buf, after(30ms));
  CHECK(r.error().timed_out());
  CHECK(canopy::clock::now() - t0 >= 30ms);
}

TEST_CASE("an attach that fails closes the stream it was given and says why") {
  auto [x, y] = stream_pair();
  int raw = x.native_handle();
  auto bad = prefix_socket::attach(std::move(x), 0);
  CHECK(bad.error().error() == EINVAL);
  CHECK(dill_hclose(raw) == -1);
  CHECK(errno == EBADF);
}

TEST_CASE("a detached C++ prefix socket hands its stream back, and dropping a socket closes it") {
  auto [x, y] = stream_pair();
  int peer = y.native_handle();
  {
    auto a = prefix_socket::attach(std::move(x), 4);
    REQUIRE(a.ok());
    auto stream = std::move(*a).detach();
    REQUIRE(stream.ok());
    CHECK(dill_bsend(stream->native_handle(), "raw", 3, dill_now() + 10000) == 0);
  }
  char buf[3];
  REQUIRE(dill_brecv(peer, buf, 3, dill_now() + 10000) == 0);
  // The stream went with its owner: the peer sees the end.
  CHECK(dill_brecv(peer, buf, 1, dill_now() + 10000) == -1);
  CHECK(errno == EPIPE);
}

TEST_CASE("an HTTP exchange in C++ ends its fields with nullopt") {
  auto [x, y] = stream_pair();
  auto client = http_connection::attach(std::move(x));
  auto server = http_connection::attach(std::move(y));
  REQUIRE(client.ok());
  REQUIRE(server.ok());
  REQUIRE(client->send_request("GET", "/index.html", after(10s)).ok());
  REQUIRE(client->send_field("Host", "example.org", after(10s)).ok());
  REQUIRE(client->done(after(10s)).ok());
  auto request = server->recv_request(after(10s));
  REQUIRE(request.ok());
  CHECK(request->command == "GET");
  CHECK(request->resource == "/index.html");
  auto field = server->recv_field(after(10s));
  REQUIRE(field.ok());
  REQUIRE(field->has_value());
  CHECK((*field)->name == "Host");
  CHECK((*field)->value == "example.org");
  auto end = server->recv_field(after(10s));
  REQUIRE(end.ok());
  CHECK(!end->has_value());
  CHECK(client->send_request("GET", std::string_view("/a\0b", 4), after(10s)).error() == EINVAL);
}

TEST_CASE("websockets in C++: a text message, then the close handshake with its status") {
  auto pair = stream_pair();
  socket_handle& x = pair.first;
  socket_handle& y = pair.second;
  canopy::bundle b;
  std::optional<websocket> server;
  ws_upgrade asked;
  b.go([&] {
    auto s = websocket::accept(std::move(y), &asked, after(10s));
    if (s.ok()) server.emplace(std::move(*s));
  });
  auto client = websocket::connect(std::move(x), "/live", "localhost", after(10s));
  REQUIRE(client.ok());
  REQUIRE(b.wait(after(10s)).ok());
  REQUIRE(server.has_value());
  CHECK(asked.resource == "/live");
  CHECK(asked.host == "localhost");
  REQUIRE(client->send("hi there", after(10s)).ok());
  std::byte buf[16];
  auto m = server->recv(buf, after(10s));
  REQUIRE(m.ok());
  CHECK(m->kind == ws_kind::text);
  CHECK(text_of(buf, m->bytes) == "hi there");
  REQUIRE(server->done(4001, "enough", after(10s)).ok());
  CHECK(client->recv(buf, after(10s)).error().ended());
  auto close = client->peer_close();
  REQUIRE(close.ok());
  CHECK(close->status == 4001);
  CHECK(close->reason == "enough");
}

TEST_CASE("socks5 in C++: a client asks a proxy for a host and port") {
  auto pair = stream_pair();
  socket_handle& x = pair.first;
  socket_handle& y = pair.second;
  canopy::bundle b;
  std::optional<socks5_command> seen;
  b.go([&] {
    if (!socks5_proxy_auth(y.native_handle(), nullptr, after(10s)).ok()) return;
    auto c = socks5_proxy_recv_command(y.native_handle(), after(10s));
    if (!c.ok()) return;
    seen = *c;
    (void)socks5_proxy_send_reply(y.native_handle(), DILL_SOCKS5_CONNECTION_REFUSED, after(10s));
  });
  auto refused = socks5_connect(x.native_handle(), "db.internal", 5432, {}, after(10s));
  CHECK(refused.error() == ECONNREFUSED);
  REQUIRE(b.wait(after(10s)).ok());
  REQUIRE(seen.has_value());
  CHECK(seen->host == "db.internal");
  CHECK(seen->port == 5432);
}
