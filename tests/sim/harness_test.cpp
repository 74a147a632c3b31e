// The Catch2 harness, used as a user would.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "canopy/sim/catch.hpp"
#include "support.hpp"

namespace sim = canopy::sim;

TEST_CASE("a correct program passes CANOPY_SIM_CHECK over every strategy") {
  sim::check_settings settings;
  settings.seeds = 20;
  CANOPY_SIM_CHECK(settings, [] {
    canopy::channel<int> ch;
    canopy::child producer = canopy::go([&] {
      for (int i = 0; i < 3; ++i) (void)ch.send(i);
    });
    for (int i = 0; i < 3; ++i) {
      auto v = ch.recv();
      if (!v || *v != i) sim::fail("message " + std::to_string(i) + " arrived out of order");
    }
  });
}

TEST_CASE("check returns a racy program's failure shrunk, with a replay line the matcher prints") {
  sim::check_settings settings;
  settings.seeds = 20;
  settings.strategies = {sim::strategy::fifo, sim::strategy::random};
  sim::outcome r = sim::check(settings, [] {
    int shared = 0;
    canopy::bundle b;
    for (int i = 0; i < 2; ++i) {
      b.go([&] {
        int seen = shared;
        (void)canopy::yield();
        shared = seen + 1;
      });
    }
    (void)b.wait(canopy::deadline::forever());
    if (shared != 2) sim::fail("lost update: shared is " + std::to_string(shared));
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.report.rfind("lost update: shared is 1", 0) == 0);
  CHECK_THAT(r.replay, Catch::StartsWith("v1:seed="));
  CHECK_FALSE(sim::passes().match(r));
  CHECK_THAT(Catch::StringMaker<sim::outcome>::convert(r), Catch::Contains("replay: v1:"));
}

TEST_CASE("with CANOPY_REPLAY set, check runs exactly the one schedule the line names") {
  int runs = 0;
  std::string order;
  auto body = [&] {
    ++runs;
    order.clear();
    canopy::bundle b;
    for (char name : {'a', 'b'}) b.go([&, name] { order += name; (void)canopy::yield(); order += name; });
    (void)b.wait(canopy::deadline::forever());
  };
  ::setenv("CANOPY_REPLAY", "v1:seed=1;strategy=replay;decisions=0,0,1", 1);
  sim::outcome r = sim::check(sim::check_settings{}, body);
  ::unsetenv("CANOPY_REPLAY");
  CHECK(r.passed);
  CHECK(runs == 1);
  sim::options o;
  o.strategy = sim::strategy::replay;
  o.decisions = {0, 0, 1};
  std::string replayed_order = order;
  CHECK(sim::run(o, body).passed);
  CHECK(order == replayed_order);
}
