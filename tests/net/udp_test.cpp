// UDP over loopback.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "net_support.hpp"

using nettest::soon;

TEST_CASE("udp datagrams go both ways; msend and mrecv use the socket's remote") {
  struct ipaddr a, b;
  REQUIRE(ipaddr_local(&a, "127.0.0.1", 0, 0) == 0);
  int sa = udp_open(&a, nullptr);
  REQUIRE(sa >= 0);
  CHECK(ipaddr_port(&a) > 0);
  REQUIRE(ipaddr_local(&b, "127.0.0.1", 0, 0) == 0);
  struct udp_storage mem;
  int sb = udp_open_mem(&b, &a, &mem);
  REQUIRE(sb >= 0);
  REQUIRE(udp_send(sa, &b, "ABC", 3) == 0);
  char buf[16];
  CHECK(mrecv(sb, buf, sizeof buf, soon()) == 3);
  CHECK(std::string(buf, 3) == "ABC");
  REQUIRE(msend(sb, "DEFG", 4, soon()) == 0);
  struct ipaddr from;
  CHECK(udp_recv(sa, &from, buf, sizeof buf, soon()) == 4);
  CHECK(std::string(buf, 4) == "DEFG");
  CHECK(ipaddr_equal(&from, &b, 0) == 1);
  hclose(sb);
  hclose(sa);
}

TEST_CASE("a udp socket with a remote drops datagrams from anyone else") {
  struct ipaddr a, b, c;
  REQUIRE(ipaddr_local(&a, "127.0.0.1", 0, 0) == 0);
  REQUIRE(ipaddr_local(&b, "127.0.0.1", 0, 0) == 0);
  REQUIRE(ipaddr_local(&c, "127.0.0.1", 0, 0) == 0);
  int sa = udp_open(&a, nullptr);
  int sc = udp_open(&c, nullptr);
  REQUIRE(sa >= 0);
  REQUIRE(sc >= 0);
  int sb = udp_open(&b, &a);
  REQUIRE(sb >= 0);
  REQUIRE(udp_send(sc, &b, "stranger", 8) == 0);
  REQUIRE(udp_send(sa, &b, "friend", 6) == 0);
  char buf[16];
  CHECK(mrecv(sb, buf, sizeof buf, soon()) == 6);
  CHECK(std::string(buf, 6) == "friend");
  hclose(sa);
  hclose(sb);
  hclose(sc);
}

TEST_CASE("udp_recv gives ETIMEDOUT at its deadline; msend without a remote is EINVAL") {
  struct ipaddr a;
  REQUIRE(ipaddr_local(&a, "127.0.0.1", 0, 0) == 0);
  int s = udp_open(&a, nullptr);
  REQUIRE(s >= 0);
  char buf[4];
  std::int64_t deadline = now() + 20;
  CHECK(udp_recv(s, nullptr, buf, sizeof buf, deadline) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(now() >= deadline);
  CHECK(msend(s, "x", 1, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(udp_open(nullptr, nullptr) == -1);
  CHECK(errno == EINVAL);
  CHECK(bsend(s, "x", 1, soon()) == -1);
  CHECK(errno == ENOTSUP);
  hclose(s);
}

TEST_CASE("closing a coroutine blocked in udp_recv makes it fail with ECANCELED") {
  struct ipaddr a;
  REQUIRE(ipaddr_local(&a, "127.0.0.1", 0, 0) == 0);
  int s = udp_open(&a, nullptr);
  REQUIRE(s >= 0);
  ssize_t rc = 0;
  int err = 0;
  int cr = go(([&] {
    char buf[4];
    rc = udp_recv(s, nullptr, buf, sizeof buf, soon());
    err = errno;
  }()));
  REQUIRE(msleep(now() + 10) == 0);
  hclose(cr);
  CHECK(rc == -1);
  CHECK(err == ECANCELED);
  hclose(s);
}

TEST_CASE("udp_recvl scatters one datagram over an iolist and reports its size") {
  struct ipaddr a, b;
  REQUIRE(ipaddr_local(&a, "127.0.0.1", 0, 0) == 0);
  REQUIRE(ipaddr_local(&b, "127.0.0.1", 0, 0) == 0);
  int sa = udp_open(&a, nullptr);
  int sb = udp_open(&b, nullptr);
  REQUIRE(sa >= 0);
  REQUIRE(sb >= 0);
  struct iolist p2 = {(void*)"world", 5, nullptr, 0};
  struct iolist p1 = {(void*)"hello ", 6, &p2, 0};
  REQUIRE(udp_sendl(sa, &b, &p1, &p2) == 0);
  char x[4], y[16] = {};
  struct iolist q2 = {y, sizeof y, nullptr, 0};
  struct iolist q1 = {x, sizeof x, &q2, 0};
  CHECK(udp_recvl(sb, nullptr, &q1, &q2, soon()) == 11);
  CHECK(std::string(x, 4) + std::string(y, 7) == "hello world");
  hclose(sa);
  hclose(sb);
}
