// Under the simulator the network layer asks nothing of the host: interface
// names come from the simulated host's table (canopy::sim::net_interfaces)
// and websocket masks from the seed, so that a run repeats byte for byte.
// First: <libdill.h> defines a `coroutine` macro that other headers must not see.
#include <libdill.h>

#include <canopy/sim/net.hpp>
#include <canopy/sim/run.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

namespace {

/// The bytes a websocket client puts on the wire for one message, seen raw
/// by its peer, in a simulated run with `seed`.
std::string masked_frame(std::uint64_t seed) {
  canopy::sim::options o;
  o.seed = seed;
  std::string wire;
  canopy::sim::outcome out = canopy::sim::run(o, [&] {
    int s[2];
    if (ipc_pair(s) != 0) canopy::sim::fail("no pair");
    int w = ws_attach_client(s[0], WS_BINARY | WS_NOHTTP, "/", "a", now() + 1000);
    if (w < 0 || ws_send(w, WS_BINARY, "hello", 5, now() + 1000) != 0) canopy::sim::fail("not sent");
    char frame[11];  // 2 header bytes, a 4-byte mask, 5 masked bytes
    if (brecv(s[1], frame, sizeof frame, now() + 1000) != 0) canopy::sim::fail("not received");
    wire.assign(frame, sizeof frame);
    hclose(w);
    hclose(s[1]);
  });
  REQUIRE(out.passed);
  return wire;
}

std::string local(const char* name, int mode, int& err) {
  std::string text;
  canopy::sim::outcome out = canopy::sim::run({}, [&] {
    struct ipaddr a;
    char buf[IPADDR_MAXSTRLEN];
    err = 0;
    if (ipaddr_local(&a, name, 80, mode) == 0) {
      text = ipaddr_str(&a, buf);
      if (ipaddr_port(&a) != 80) canopy::sim::fail("the port was lost");
    } else {
      err = errno;
    }
  });
  REQUIRE(out.passed);
  return text;
}

}  // namespace

TEST_CASE("under the simulator a websocket client's masks come from the seed: the same seed, the same bytes") {
  std::string first = masked_frame(11);
  CHECK(masked_frame(11) == first);
  // The mask is four of the bytes: another seed draws other ones.
  int differing = 0;
  for (std::uint64_t seed = 12; seed < 16; ++seed) differing += masked_frame(seed) != first;
  CHECK(differing == 4);
  // Masked all the same: the payload XOR the mask is "hello".
  std::string payload;
  for (int i = 0; i < 5; ++i) payload += static_cast<char>(first[6 + i] ^ first[2 + i % 4]);
  CHECK(payload == "hello");
}

TEST_CASE("under the simulator interface names are the simulated host's lo and eth0, never the host's") {
  int err = 0;
  CHECK(local("lo", IPADDR_IPV4, err) == "127.0.0.1");
  CHECK(local("lo", IPADDR_IPV6, err) == "::1");
  CHECK(local("eth0", IPADDR_PREF_IPV6, err) == "fd00::2");
  CHECK(local("eth0", 0, err) == "10.0.0.2");
  CHECK(local("docker0", 0, err).empty());
  CHECK(err == ENODEV);
  REQUIRE(std::size(canopy::sim::net_interfaces) == 2);
  CHECK(std::string(canopy::sim::net_interfaces[1].ipv4) == "10.0.0.2");
}
