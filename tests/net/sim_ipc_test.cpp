// UNIX sockets under the simulator take the time a kernel's copy takes, so
// that two coroutines keeping each other busy through one still see virtual
// time pass: a flood that a closing peer drains with a deadline ends at that
// deadline, as on a real machine, instead of running for ever at one instant.
// First: <libdill.h> defines a `coroutine` macro that other headers must not see.
#include <libdill.h>

#include <canopy/sim/catch.hpp>
#include <canopy/sim/net.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <string>

namespace {

struct Closing {
  int rc = 0;
  int err = 0;
  std::int64_t at_ms = 0;
};

/// Sleeps 100 ms, then closes gracefully within 100 ms more: it reads what
/// the flood sends while it waits for an end that never comes.
coroutine void close_slowly(int s, std::int64_t start_ms, Closing* c) {
  msleep(now() + 100);
  c->rc = ipc_close(s, now() + 100);
  c->err = errno;
  c->at_ms = now() - start_ms;
}

}  // namespace

TEST_CASE("under the simulator a flood into a socket pair ends when the closing peer's deadline comes") {
  canopy::sim::check_settings settings;
  settings.seeds = 3;
  settings.strategies = {canopy::sim::strategy::fifo, canopy::sim::strategy::random, canopy::sim::strategy::pct};
  CANOPY_SIM_CHECK(settings, [] {
    int s[2];
    if (ipc_pair(s) != 0) canopy::sim::fail("no pair");
    std::int64_t start = now();
    Closing c;
    int peer = go(close_slowly(s[1], start, &c));
    char block[2048] = {};
    long sent = 0;
    while (bsend(s[0], block, sizeof block, -1) == 0) {
      if (++sent == 10'000'000) canopy::sim::fail("the flood never ended");
    }
    if (errno != ECONNRESET) canopy::sim::fail(std::string("the flood ended with ") + std::strerror(errno));
    if (c.rc != -1 || c.err != ETIMEDOUT) canopy::sim::fail("the close did not time out");
    if (c.at_ms != 200) canopy::sim::fail("the close ended at " + std::to_string(c.at_ms) + " ms, not 200");
    // Each 2 KiB write takes 1.5 us to arrive: 100 ms of flood is tens of
    // thousands of writes, as on a real machine.
    if (sent < 10'000) canopy::sim::fail("only " + std::to_string(sent) + " writes in 100 ms");
    if (ipc_close(s[0], -1) != -1 || errno != ECONNRESET) canopy::sim::fail("the flooder's close was not a reset");
    hclose(peer);
  });
}
