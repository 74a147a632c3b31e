// Happy Eyeballs against loopback listeners.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "net_support.hpp"

using nettest::soon;

TEST_CASE("happyeyeballs_connect reaches a listener by host name and by literal") {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  int port = ipaddr_port(&where);
  int c = happyeyeballs_connect("localhost", port, soon());
  REQUIRE(c >= 0);
  int a = tcp_accept(l, nullptr, soon());
  REQUIRE(a >= 0);
  REQUIRE(bsend(c, "he", 2, soon()) == 0);
  char buf[2];
  CHECK(brecv(a, buf, 2, soon()) == 0);
  hclose(a);
  hclose(c);
  c = happyeyeballs_connect("127.0.0.1", port, soon());
  CHECK(c >= 0);
  hclose(c);
  hclose(l);
}

TEST_CASE("happyeyeballs_connect fails with ECONNREFUSED when every address refuses") {
  int port = nettest::free_port();
  REQUIRE(port > 0);
  CHECK(happyeyeballs_connect("localhost", port, soon()) == -1);
  CHECK(errno == ECONNREFUSED);
}

TEST_CASE("happyeyeballs_connect refuses a missing name or a bad port with EINVAL") {
  CHECK(happyeyeballs_connect(nullptr, 80, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(happyeyeballs_connect("localhost", 0, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(happyeyeballs_connect("localhost", 70000, soon()) == -1);
  CHECK(errno == EINVAL);
}

TEST_CASE("happyeyeballs_connect gives up at its deadline with ETIMEDOUT") {
  // A name that never resolves in time: the race never starts.
  std::int64_t deadline = now() + 50;
  int c = happyeyeballs_connect("slow-missing-host.invalid", 80, deadline);
  CHECK(c == -1);
  CHECK((errno == ETIMEDOUT || errno == EADDRNOTAVAIL));
  CHECK(now() <= deadline + 1000);
}
