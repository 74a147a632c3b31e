// Virtual time: exact, instantaneous, and ordered by the seed where the
// program leaves the order open.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>

#include "support.hpp"

using namespace std::chrono_literals;
namespace sim = canopy::sim;
using sim_test::t;

TEST_CASE("a 30 second sleep takes exactly 30000 virtual ms and almost no wall time") {
  std::int64_t before = -1, after = -1;
  auto wall = std::chrono::steady_clock::now();
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    before = canopy::clock::now().time_since_epoch().count();
    (void)canopy::sleep_until(canopy::deadline::from_ms(before + 30000));
    after = canopy::clock::now().time_since_epoch().count();
  });
  auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - wall).count();
  REQUIRE(r.passed);
  CHECK(before == sim::epoch_ms);
  CHECK(after == sim::epoch_ms + 30000);
  CHECK(r.stats.virtual_ms == 30000);
  CHECK(wall_ms < 1000);
}

TEST_CASE("sleeping coroutines wake in deadline order at their exact deadlines") {
  sim_test::log events;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::random, 3), [&] {
    canopy::bundle b;
    for (int ms : {300, 100, 200}) {
      b.go([&, ms] {
        (void)canopy::sleep_for(std::chrono::milliseconds(ms));
        events.push_back(std::to_string(ms) + "@" + std::to_string(t()));
      });
    }
    (void)b.wait(canopy::deadline::forever());
  });
  REQUIRE(r.passed);
  CHECK(events == sim_test::log{"100@100", "200@200", "300@300"});
}

// Three timers share one deadline: the order they fire in is the program's
// business only through the seed.
static std::string equal_deadline_order(sim::strategy s, std::uint64_t seed) {
  std::string order;
  sim::outcome r = sim::run(sim_test::with(s, seed), [&] {
    canopy::bundle b;
    auto at = canopy::deadline::from_ms(canopy::clock::now().time_since_epoch().count() + 50);
    for (char name : {'a', 'b', 'c'}) {
      b.go([&, name] {
        (void)canopy::sleep_until(at);
        order += name;
      });
    }
    (void)b.wait(canopy::deadline::forever());
  });
  REQUIRE(r.passed);
  return order;
}

TEST_CASE("equal-deadline timers fire in arrival order under fifo") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) CHECK(equal_deadline_order(sim::strategy::fifo, seed) == "abc");
}

TEST_CASE("equal-deadline timers fire in a seed-decided order that the same seed repeats") {
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    std::string first = equal_deadline_order(sim::strategy::pct, seed);
    CHECK(equal_deadline_order(sim::strategy::pct, seed) == first);
    seen.insert(first);
  }
  CHECK(seen.size() >= 3);
}

TEST_CASE("timer jitter makes sleeps late by a seeded amount within the bound and never early") {
  std::set<std::int64_t> lateness;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    sim::options o = sim_test::with(sim::strategy::random, seed);
    o.jitter_ms = 5;
    std::int64_t woke = 0;
    sim::outcome r = sim::run(o, [&] {
      (void)canopy::sleep_for(100ms);
      woke = t();
    });
    REQUIRE(r.passed);
    CHECK(woke >= 100);
    CHECK(woke <= 105);
    lateness.insert(woke - 100);
  }
  CHECK(lateness.size() > 1);
}
