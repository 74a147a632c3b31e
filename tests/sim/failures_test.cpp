// Every kind of failure the simulator finds ends the run with a report and
// a replay line, instead of hanging or crashing the test.
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>

#include "support.hpp"
#include "canopy/detail/api.hpp"

using namespace std::chrono_literals;
namespace sim = canopy::sim;
using Catch::Contains;

TEST_CASE("a deadlock is reported with who waits on what, not hung") {
  sim::outcome r = sim::run(sim_test::with(sim::strategy::random, 4), [] {
    canopy::channel<int> never;
    canopy::child c = canopy::go([&] { (void)never.recv(); }, {.name = "waiter"});
    (void)never.recv();
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::deadlock);
  CHECK_THAT(r.report, Contains("deadlock: every coroutine is blocked") &&
                           Contains("main blocked in chrecv on channel") &&
                           Contains("coroutine 1 spawned at") && Contains("(waiter) blocked in chrecv"));
  CHECK(r.replay == "v1:seed=4;strategy=random");
}

TEST_CASE("a coroutine exiting while its child runs is reported as broken structure") {
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [] {
    canopy::child parent = canopy::go([] {
      (void)canopy::go([] { (void)canopy::sleep_for(1s); }, {.name = "orphan"}).release();
    }, {.name = "careless parent"});
    (void)canopy::sleep_for(2s);
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::structure_broken);
  CHECK_THAT(r.report, Contains("(careless parent) exited while children it owns were running") &&
                           Contains("still running: coroutine 2") && Contains("(orphan)"));
}

TEST_CASE("a cancelled coroutine that ignores ECANCELED is reported after its budget") {
  sim::options o = sim_test::with(sim::strategy::fifo);
  o.cancelled_call_budget = 100;
  sim::outcome r = sim::run(o, [] {
    canopy::child stubborn = canopy::go([] {
      for (;;) (void)canopy::sleep_for(10ms);  // ignores cancellation
    });
    (void)canopy::sleep_for(15ms);
  });  // ~child closes it: hclose waits forever for it
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::cancelled_still_running);
  CHECK_THAT(r.report, Contains("coroutine 1 was cancelled but kept running: 101 blocking calls"));
  CHECK(r.stats.virtual_ms == 15);
}

TEST_CASE("coroutines that yield to each other forever exceed the step budget") {
  sim::options o = sim_test::with(sim::strategy::random, 2);
  o.max_steps = 1000;
  sim::outcome r = sim::run(o, [] {
    canopy::child spinner = canopy::go([] {
      for (;;) (void)canopy::yield();
    });
    for (;;) (void)canopy::yield();
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::step_budget);
  CHECK(r.stats.steps == 1001);
  CHECK_THAT(r.replay, Contains("max_steps=1000"));
}

TEST_CASE("a program that sleeps in a loop forever exceeds the virtual time budget") {
  sim::options o = sim_test::with(sim::strategy::fifo);
  o.max_virtual_ms = 10'000;
  sim::outcome r = sim::run(o, [] {
    for (;;) (void)canopy::sleep_for(3s);
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::time_budget);
  CHECK(r.stats.virtual_ms == 9000);
}

TEST_CASE("coroutines still alive when the body returns are reported as leaked") {
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [] {
    (void)canopy::go([] { (void)canopy::sleep_for(1h); }, {.name = "forgotten"}).release();
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::coroutines_leaked);
  CHECK_THAT(r.report, Contains("1 coroutine(s) still alive") && Contains("(forgotten) blocked in msleep"));
}

TEST_CASE("handles still open when the body returns are reported as leaked") {
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [] {
    int ends[2];
    REQUIRE(canopy::detail::chmake(nullptr, ends) == 0);
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::handles_leaked);
  CHECK_THAT(r.report, Contains("2 handle(s) still open") && Contains("channel 1"));
}

TEST_CASE("an exception escaping a coroutine is reported as a crash") {
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [] {
    canopy::child c = canopy::go([] { throw std::runtime_error("disk on fire"); }, {.name = "thrower"});
    (void)canopy::sleep_for(1s);
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::crashed);
  CHECK_THAT(r.report, Contains("(thrower)") && Contains("disk on fire"));
}

TEST_CASE("an exception escaping the body is reported as a crash") {
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [] { throw std::logic_error("bad body"); });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::crashed);
  CHECK_THAT(r.report, Contains("bad body"));
}

TEST_CASE("sim::fail ends the run at once with the body's reason") {
  bool after = false;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    sim::fail("the promise was broken");
    after = true;
  });
  CHECK_FALSE(after);
  CHECK(r.kind == sim::failure_kind::body_failed);
  CHECK(r.report == "the promise was broken");
}
