// Addresses: literals, the any address, interfaces, and name resolution
// that blocks only the coroutine that asked.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <string>

#include "net_support.hpp"

using nettest::soon;

TEST_CASE("ipaddr_local parses IPv4 and IPv6 literals and ipaddr_str prints them back") {
  struct ipaddr a;
  char text[IPADDR_MAXSTRLEN];
  REQUIRE(ipaddr_local(&a, "10.1.2.3", 80, 0) == 0);
  CHECK(ipaddr_family(&a) == AF_INET);
  CHECK(ipaddr_len(&a) == sizeof(sockaddr_in));
  CHECK(ipaddr_port(&a) == 80);
  CHECK(std::string(ipaddr_str(&a, text)) == "10.1.2.3");
  auto* sin = reinterpret_cast<const sockaddr_in*>(ipaddr_sockaddr(&a));
  CHECK(ntohl(sin->sin_addr.s_addr) == 0x0a010203u);
  REQUIRE(ipaddr_local(&a, "fe80::1:2", 443, 0) == 0);
  CHECK(ipaddr_family(&a) == AF_INET6);
  CHECK(ipaddr_len(&a) == sizeof(sockaddr_in6));
  CHECK(std::string(ipaddr_str(&a, text)) == "fe80::1:2");
  ipaddr_setport(&a, 8443);
  CHECK(ipaddr_port(&a) == 8443);
}

TEST_CASE("ipaddr_local without a name is the any address of the preferred family") {
  struct ipaddr a;
  char text[IPADDR_MAXSTRLEN];
  REQUIRE(ipaddr_local(&a, nullptr, 1, 0) == 0);
  CHECK(std::string(ipaddr_str(&a, text)) == "0.0.0.0");
  REQUIRE(ipaddr_local(&a, nullptr, 1, IPADDR_PREF_IPV6) == 0);
  CHECK(std::string(ipaddr_str(&a, text)) == "::");
}

TEST_CASE("ipaddr_local names an interface by its name: lo is the loopback") {
  struct ipaddr a;
  char text[IPADDR_MAXSTRLEN];
  REQUIRE(ipaddr_local(&a, "lo", 7, IPADDR_IPV4) == 0);
  CHECK(std::string(ipaddr_str(&a, text)) == "127.0.0.1");
  CHECK(ipaddr_port(&a) == 7);
  CHECK(ipaddr_local(&a, "no-such-interface0", 7, 0) == -1);
  CHECK(errno == ENODEV);
}

TEST_CASE("bad ports and modes are EINVAL; a literal of the wrong family is EADDRNOTAVAIL") {
  struct ipaddr a;
  CHECK(ipaddr_local(&a, "1.2.3.4", 65536, 0) == -1);
  CHECK(errno == EINVAL);
  CHECK(ipaddr_local(&a, "1.2.3.4", -1, 0) == -1);
  CHECK(errno == EINVAL);
  CHECK(ipaddr_local(&a, "1.2.3.4", 1, 9) == -1);
  CHECK(errno == EINVAL);
  CHECK(ipaddr_local(&a, "1.2.3.4", 1, IPADDR_IPV6) == -1);
  CHECK(errno == EADDRNOTAVAIL);
  CHECK(ipaddr_remote(&a, "::1", 1, IPADDR_IPV4, soon()) == -1);
  CHECK(errno == EADDRNOTAVAIL);
  CHECK(ipaddr_remote(&a, nullptr, 1, 0, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(ipaddr_remotes(&a, 0, "1.2.3.4", 1, 0, soon()) == -1);
  CHECK(errno == EINVAL);
}

TEST_CASE("ipaddr_equal compares addresses, with or without their ports") {
  struct ipaddr a, b;
  REQUIRE(ipaddr_local(&a, "1.2.3.4", 1, 0) == 0);
  REQUIRE(ipaddr_local(&b, "1.2.3.4", 2, 0) == 0);
  CHECK(ipaddr_equal(&a, &b, 0) == 0);
  CHECK(ipaddr_equal(&a, &b, 1) == 1);
  REQUIRE(ipaddr_local(&b, "::ffff:1.2.3.4", 1, 0) == 0);
  CHECK(ipaddr_equal(&a, &b, 1) == 0);  // another family is another address
}

TEST_CASE("ipaddr_remote resolves localhost on the resolver's thread") {
  struct ipaddr a;
  char text[IPADDR_MAXSTRLEN];
  REQUIRE(ipaddr_remote(&a, "localhost", 99, IPADDR_IPV4, soon()) == 0);
  CHECK(std::string(ipaddr_str(&a, text)) == "127.0.0.1");
  CHECK(ipaddr_port(&a) == 99);
  struct ipaddr many[4];
  int n = ipaddr_remotes(many, 4, "localhost", 99, 0, soon());
  REQUIRE(n >= 1);
  CHECK(ipaddr_family(&many[0]) == AF_INET);  // IPv4 preferred by default
}

TEST_CASE("other coroutines run while one waits for a slow lookup, which obeys its deadline") {
  // A name under .invalid never exists; the lookup takes as long as the
  // system's DNS takes to say so.
  int ticks = 0;
  bool stop = false;
  int ticker = go(([&] {
    while (!stop && msleep(now() + 5) == 0) ++ticks;
  }()));
  struct ipaddr a;
  std::int64_t start = now();
  int rc = ipaddr_remote(&a, "no-such-host.invalid", 1, IPADDR_IPV4, now() + 200);
  int err = errno;
  std::int64_t took = now() - start;
  stop = true;
  hclose(ticker);
  CHECK(rc == -1);
  CHECK((err == ETIMEDOUT || err == EADDRNOTAVAIL));
  CHECK(took <= 1000);
  // The ticker kept going for as long as the lookup took.
  CHECK(ticks >= took / 5 / 4);
}

TEST_CASE("closing a coroutine in the middle of a lookup makes it fail with ECANCELED") {
  int rc = 0, err = 0;
  int cr = go(([&] {
    struct ipaddr a;
    rc = ipaddr_remote(&a, "another-missing-host.invalid", 1, IPADDR_IPV4, soon());
    err = errno;
  }()));
  REQUIRE(msleep(now() + 5) == 0);
  hclose(cr);
  CHECK(rc == -1);
  CHECK((err == ECANCELED || err == EADDRNOTAVAIL));
}
