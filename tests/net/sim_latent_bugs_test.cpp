// Network programs with latent bugs that pass on a quiet loopback and that
// the simulator finds within a few hundred seeds: each written once with the
// bug and once corrected. The buggy one fails on some seed of 1..300 with
// its own complaint; the corrected one passes on every one of them.
// First: <libdill.h> defines a `coroutine` macro that other headers must not see.
#include <libdill.h>

#include <canopy/sim/run.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <string>

namespace {

constexpr std::uint64_t seeds = 300;

struct ipaddr listen_any(int& listener, int backlog) {
  struct ipaddr addr;
  if (ipaddr_local(&addr, "127.0.0.1", 0, IPADDR_IPV4) != 0) canopy::sim::fail("no address");
  listener = tcp_listen(&addr, backlog);
  if (listener < 0) canopy::sim::fail("no listener");
  return addr;
}

/// Echoes every message of `s` (4-byte big-endian framing) until it ends.
coroutine void echo(int s) {
  int m = prefix_attach(s, 4, PREFIX_BIG_ENDIAN);
  char buf[64];
  while (m >= 0) {
    ssize_t n = mrecv(m, buf, sizeof buf, -1);
    if (n < 0 || msend(m, buf, static_cast<size_t>(n), -1) != 0) break;
  }
  if (m >= 0) hclose(m);
}

coroutine void echo_server(int listener, int connections) {
  int b = bundle();
  for (int i = 0; i < connections; ++i) {
    int s = tcp_accept(listener, nullptr, -1);
    if (s < 0) break;
    bundle_go(b, echo(s));
  }
  bundle_wait(b, -1);
  hclose(b);
}

/// A framed connection to `addr`, or a failed run.
int connect_framed(const struct ipaddr& addr) {
  int s = tcp_connect(&addr, now() + 1000);
  if (s < 0) canopy::sim::fail(std::string("connect: ") + std::strerror(errno));
  return prefix_attach(s, 4, PREFIX_BIG_ENDIAN);
}

// --- 1. A reply assumed to come before another connection's ---------------

struct Order {
  std::string arrived;  ///< the names of the replies, in the order they came
};

coroutine void ask(const struct ipaddr* addr, const char* name, Order* order) {
  int m = connect_framed(*addr);
  char buf[8];
  if (msend(m, name, 1, now() + 1000) != 0 || mrecv(m, buf, sizeof buf, now() + 1000) != 1)
    canopy::sim::fail("no reply");
  order->arrived += name;
  hclose(m);
}

void two_requests(bool assume_order) {
  int listener;
  struct ipaddr addr = listen_any(listener, 4);
  int server = go(echo_server(listener, 2));
  Order order;
  int b = bundle();
  bundle_go(b, ask(&addr, "a", &order));  // asked first...
  bundle_go(b, ask(&addr, "b", &order));
  bundle_wait(b, now() + 5000);
  hclose(b);
  // ...so its reply comes first: true on loopback, not over two routes.
  if (assume_order && order.arrived != "ab") canopy::sim::fail("the replies came as " + order.arrived);
  if (order.arrived.size() != 2) canopy::sim::fail("a reply is missing");
  bundle_wait(server, now() + 1000);
  hclose(server);
  hclose(listener);
}

// --- 2. A timeout too tight for the network's latency ----------------------

void request_with_deadline(std::int64_t reply_deadline_ms) {
  int listener;
  struct ipaddr addr = listen_any(listener, 4);
  int server = go(echo_server(listener, 1));
  int m = connect_framed(addr);
  char buf[8];
  // A round trip is twice the one-way latency plus jitter: 2..14 ms here.
  if (msend(m, "ping", 4, now() + 1000) != 0 || mrecv(m, buf, sizeof buf, now() + reply_deadline_ms) != 4)
    canopy::sim::fail(std::string("no reply in time: ") + std::strerror(errno));
  hclose(m);
  bundle_wait(server, now() + 1000);
  hclose(server);
  hclose(listener);
}

// --- 3. A reply lost to a reset --------------------------------------------

void exchanges(bool retry) {
  int listener;
  struct ipaddr addr = listen_any(listener, 64);
  int server = go(echo_server(listener, 64));
  int m = connect_framed(addr);
  int connections = 1;
  char buf[8];
  for (int i = 0; i < 10;) {
    if (msend(m, "req", 3, now() + 1000) == 0 && mrecv(m, buf, sizeof buf, now() + 1000) == 3) {
      ++i;
      continue;
    }
    if (!retry) canopy::sim::fail(std::string("the reply was lost: ") + std::strerror(errno));
    if (errno != ECONNRESET && errno != EPIPE) canopy::sim::fail(std::string("unexpected: ") + std::strerror(errno));
    hclose(m);
    if (++connections == 64) canopy::sim::fail("64 connections reset");
    m = connect_framed(addr);  // the same request again: an echo can be asked twice
  }
  hclose(m);
  hclose(server);  // cancels the echo handlers and the accept still waiting
  hclose(listener);
}

// --- 4. Accepted in the order connect was called ---------------------------

coroutine void hello(const struct ipaddr* addr, const char* name) {
  int m = connect_framed(*addr);
  if (msend(m, name, std::strlen(name), now() + 1000) != 0) canopy::sim::fail("hello not sent");
  char buf[8];
  mrecv(m, buf, sizeof buf, now() + 1000);  // the server hangs up: EPIPE
  hclose(m);
}

void first_come(bool assume_accept_order) {
  int listener;
  struct ipaddr addr = listen_any(listener, 4);
  int b = bundle();
  bundle_go(b, hello(&addr, "first"));
  bundle_go(b, hello(&addr, "second"));
  std::string seen;
  for (int i = 0; i < 2; ++i) {
    int m = prefix_attach(tcp_accept(listener, nullptr, now() + 1000), 4, PREFIX_BIG_ENDIAN);
    char buf[8];
    ssize_t n = mrecv(m, buf, sizeof buf, now() + 1000);
    if (n < 0) canopy::sim::fail("no hello");
    seen += std::string(buf, static_cast<size_t>(n)) + " ";
    hclose(m);
  }
  if (assume_accept_order && seen != "first second ") canopy::sim::fail("accepted as: " + seen);
  if (seen != "first second " && seen != "second first ") canopy::sim::fail("a hello is missing");
  bundle_wait(b, now() + 1000);
  hclose(b);
  hclose(listener);
}

/// The first failing seed of 1..seeds, or 0 if every one passed.
template <class Body>
std::uint64_t first_failing_seed(canopy::sim::options o, Body body, std::string& report) {
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    o.seed = seed;
    canopy::sim::outcome out = canopy::sim::run(o, body);
    if (!out.passed) {
      report = out.report;
      return seed;
    }
  }
  return 0;
}

}  // namespace

TEST_CASE("the simulator finds a program that expects replies in the order it asked on two connections") {
  std::string report;
  std::uint64_t seed = first_failing_seed({}, [] { two_requests(true); }, report);
  INFO("found at seed " << seed << ": " << report);
  CHECK(seed != 0);
  CHECK_THAT(report, Catch::Contains("the replies came as ba"));
  CHECK(first_failing_seed({}, [] { two_requests(false); }, report) == 0);
}

TEST_CASE("the simulator finds a reply deadline too tight for the seeded latency") {
  std::string report;
  std::uint64_t seed = first_failing_seed({}, [] { request_with_deadline(8); }, report);
  INFO("found at seed " << seed << ": " << report);
  CHECK(seed != 0);
  CHECK_THAT(report, Catch::Contains("no reply in time: Connection timed out"));
  CHECK(first_failing_seed({}, [] { request_with_deadline(1000); }, report) == 0);
}

TEST_CASE("with resets on, the simulator finds a client that never asks again for a reply lost to a reset") {
  canopy::sim::options o;
  o.net_reset = true;
  std::string report;
  std::uint64_t seed = first_failing_seed(o, [] { exchanges(false); }, report);
  INFO("found at seed " << seed << ": " << report);
  CHECK(seed != 0);
  CHECK_THAT(report, Catch::Contains("the reply was lost"));
  CHECK(first_failing_seed(o, [] { exchanges(true); }, report) == 0);
}

TEST_CASE("the simulator finds a server that expects connections accepted in the order connect was called") {
  std::string report;
  std::uint64_t seed = first_failing_seed({}, [] { first_come(true); }, report);
  INFO("found at seed " << seed << ": " << report);
  CHECK(seed != 0);
  CHECK_THAT(report, Catch::Contains("accepted as: second first"));
  CHECK(first_failing_seed({}, [] { first_come(false); }, report) == 0);
}
