// The network layer's C++ face: owning types, spans, deadlines, results.
// This file does not include <libdill.h>: the C++ face stands on its own.
#include <catch2/catch.hpp>
#include <canopy/canopy.hpp>
#include <canopy/net/net.hpp>

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstring>
#include <string>

using namespace std::chrono_literals;
namespace net = canopy::net;

namespace {
std::span<const std::byte> bytes_of(const char* text) {
  return std::as_bytes(std::span(text, std::strlen(text)));
}
std::string text_of(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}
}  // namespace

TEST_CASE("a tcp_listener and tcp_streams echo bytes and close gracefully") {
  auto where = net::ip_address::local("127.0.0.1", 0);
  REQUIRE(where.ok());
  auto listener = net::tcp_listener::listen(*where);
  REQUIRE(listener.ok());
  CHECK(listener->port() > 0);
  auto to = net::ip_address::remote("127.0.0.1", listener->port());
  REQUIRE(to.ok());
  CHECK(to->str() == "127.0.0.1");
  {
    canopy::bundle server;
    server.go([&] {
      auto conn = listener->accept(canopy::after(5s));
      if (!conn.ok()) return;
      std::array<std::byte, 4> buf;
      while (conn->recv(buf, canopy::after(5s)).ok())
        if (!conn->send(buf, canopy::after(5s)).ok()) break;
      (void)conn->close(canopy::after(5s));
    });
    auto client = net::tcp_stream::connect(*to, canopy::after(5s));
    REQUIRE(client.ok());
    REQUIRE(client->send(bytes_of("ping"), canopy::after(5s)).ok());
    std::array<std::byte, 4> back;
    REQUIRE(client->recv(back, canopy::after(5s)).ok());
    CHECK(text_of(back) == "ping");
    CHECK(client->close(canopy::after(5s)).ok());
    CHECK(!client->is_open());
    CHECK(server.wait(canopy::after(5s)).ok());
  }
}

TEST_CASE("a tcp_stream whose peer is gone reports ended() and a closed one EBADF") {
  auto pair = net::ipc_stream::pair();
  REQUIRE(pair.ok());
  auto& [a, b] = *pair;
  REQUIRE(b.done().ok());
  std::array<std::byte, 1> one;
  auto got = a.recv(one, canopy::after(5s));
  CHECK(got.ended());
  CHECK(a.close(canopy::after(5s)).ok());
  CHECK(a.close(canopy::after(5s)).error() == EBADF);
}

TEST_CASE("connecting to nothing gives ECONNREFUSED; a listen twice on one port EADDRINUSE") {
  auto where = net::ip_address::local("127.0.0.1", 0);
  REQUIRE(where.ok());
  int port = 0;
  {
    auto listener = net::tcp_listener::listen(*where);
    REQUIRE(listener.ok());
    port = listener->port();
    where->set_port(port);
    auto again = net::tcp_listener::listen(*where);
    CHECK(again.error().error() == EADDRINUSE);
  }  // the listener closes here
  auto to = net::ip_address::remote("127.0.0.1", port);
  REQUIRE(to.ok());
  auto refused = net::tcp_stream::connect(*to, canopy::after(5s));
  CHECK(refused.error().error() == ECONNREFUSED);
}

TEST_CASE("a receive with a deadline times out in the C++ face") {
  auto pair = net::ipc_stream::pair();
  REQUIRE(pair.ok());
  std::array<std::byte, 1> one;
  CHECK(pair->first.recv(one, canopy::after(20ms)).timed_out());
}

TEST_CASE("an ipc_listener accepts an ipc_stream at a path and passes a descriptor") {
  char dir[] = "/tmp/canopy-net-cxx-XXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string path = std::string(dir) + "/sock";
  {
    auto listener = net::ipc_listener::listen(path.c_str());
    REQUIRE(listener.ok());
    auto client = net::ipc_stream::connect(path.c_str(), canopy::after(5s));
    REQUIRE(client.ok());
    auto server = listener->accept(canopy::after(5s));
    REQUIRE(server.ok());
    int sp[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
    REQUIRE(client->send_fd(sp[0], canopy::after(5s)).ok());
    auto passed = server->recv_fd(canopy::after(5s));
    REQUIRE(passed.ok());
    CHECK(*passed >= 0);
    ::close(*passed);
    ::close(sp[0]);
    ::close(sp[1]);
  }
  ::unlink(path.c_str());
  ::rmdir(dir);
}

TEST_CASE("udp_sockets exchange datagrams in the C++ face") {
  auto a_addr = net::ip_address::local("127.0.0.1", 0);
  auto b_addr = net::ip_address::local("127.0.0.1", 0);
  REQUIRE(a_addr.ok());
  REQUIRE(b_addr.ok());
  auto a = net::udp_socket::open(&*a_addr, nullptr);
  REQUIRE(a.ok());
  auto b = net::udp_socket::open(&*b_addr, &*a_addr);
  REQUIRE(b.ok());
  REQUIRE(a->send_to(*b_addr, bytes_of("dgram")).ok());
  std::array<std::byte, 16> buf;
  auto n = b->recv(buf, canopy::after(5s));
  REQUIRE(n.ok());
  CHECK(text_of(std::span(buf).first(*n)) == "dgram");
  REQUIRE(b->send(bytes_of("back")).ok());
  net::ip_address from = *a_addr;
  auto m = a->recv(buf, canopy::after(5s), &from);
  REQUIRE(m.ok());
  CHECK(*m == 4);
  CHECK(from == *b_addr);
}

TEST_CASE("ip_address resolves names and compares hosts") {
  auto local = net::ip_address::remote("localhost", 80, net::family_preference::ipv4,
                                       canopy::after(5s));
  REQUIRE(local.ok());
  CHECK(local->str() == "127.0.0.1");
  CHECK(local->family() == AF_INET);
  auto other = net::ip_address::local("127.0.0.1", 81);
  REQUIRE(other.ok());
  CHECK(local->same_host(*other));
  CHECK(!(*local == *other));
  auto bad = net::ip_address::local("1.2.3.4", 70000);
  CHECK(bad.error().error() == EINVAL);
  auto all = net::ip_address::remotes("localhost", 80, 4);
  REQUIRE(all.ok());
  CHECK(!all->empty());
}
