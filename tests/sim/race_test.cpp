// A planted ordering bug: found by random and pct within a few seeds, never
// by fifo, replayed from its line, and shrunk to a minimal schedule.
#include <catch2/catch.hpp>

#include "support.hpp"

namespace sim = canopy::sim;

namespace {

// The initializer sets `ready` after one yield; the user checks it after
// two. fifo always lets the initializer finish first; other orders do not.
void order_violation() {
  bool ready = false;
  canopy::child init = canopy::go([&] {
    (void)canopy::yield();
    ready = true;
  });
  canopy::child user = canopy::go([&] {
    (void)canopy::yield();
    (void)canopy::yield();
    if (!ready) sim::fail("the user ran before the initializer had set `ready`");
  });
  (void)canopy::yield();
  (void)canopy::yield();
  (void)canopy::yield();
}

std::uint64_t first_failing_seed(sim::strategy s, std::uint64_t limit, sim::outcome& failure) {
  for (std::uint64_t seed = 1; seed <= limit; ++seed) {
    failure = sim::run(sim_test::with(s, seed), order_violation);
    if (!failure.passed) return seed;
  }
  return 0;
}

std::uint64_t preemptions(const std::vector<std::uint32_t>& d) {
  std::uint64_t n = 0;
  for (auto x : d) n += x != 0;
  return n;
}

}  // namespace

TEST_CASE("fifo never finds the planted ordering bug") {
  CHECK(sim::run(sim_test::with(sim::strategy::fifo), order_violation).passed);
}

TEST_CASE("random and pct find the planted ordering bug within 50 seeds") {
  for (sim::strategy s : {sim::strategy::random, sim::strategy::pct}) {
    sim::outcome failure;
    std::uint64_t seed = first_failing_seed(s, 50, failure);
    INFO(sim::to_string(s));
    REQUIRE(seed != 0);
    CHECK(failure.kind == sim::failure_kind::body_failed);
    CHECK_THAT(failure.replay, Catch::StartsWith("v1:seed=" + std::to_string(seed) + ";strategy=" + sim::to_string(s)));
  }
}

TEST_CASE("the planted bug's replay line fails again with the same events") {
  sim::outcome failure;
  REQUIRE(first_failing_seed(sim::strategy::random, 50, failure) != 0);
  std::string error;
  auto o = sim::options::from_replay(failure.replay, error);
  REQUIRE(o);
  sim::outcome again = sim::run(*o, order_violation);
  CHECK(again.kind == failure.kind);
  CHECK(again.trace_hash == failure.trace_hash);
  CHECK(again.decisions == failure.decisions);
}

TEST_CASE("the planted bug shrinks to two preemptions and its line replays the failure") {
  sim::outcome failure;
  std::uint64_t seed = first_failing_seed(sim::strategy::random, 50, failure);
  REQUIRE(seed != 0);
  sim::outcome small = sim::shrink(sim_test::with(sim::strategy::random, seed), failure, order_violation);
  REQUIRE_FALSE(small.passed);
  CHECK(small.kind == sim::failure_kind::body_failed);
  // The user must run twice before the initializer runs once more.
  CHECK(preemptions(small.decisions) == 2);
  CHECK(preemptions(small.decisions) <= preemptions(failure.decisions));
  CHECK_THAT(small.replay, Catch::StartsWith("v1:seed=" + std::to_string(seed) + ";strategy=replay;decisions="));
  std::string error;
  auto o = sim::options::from_replay(small.replay, error);
  REQUIRE(o);
  sim::outcome again = sim::run(*o, order_violation);
  CHECK(again.kind == sim::failure_kind::body_failed);
  CHECK(again.trace_hash == small.trace_hash);
}

TEST_CASE("dfs proves one preemption cannot expose the planted bug and finds it with two") {
  sim::options o = sim_test::with(sim::strategy::dfs);
  o.dfs_preemption_bound = 1;
  sim::exploration one = sim::explore(o, order_violation);
  CHECK(one.complete);
  CHECK_FALSE(one.failure);
  o.dfs_preemption_bound = 2;
  sim::exploration two = sim::explore(o, order_violation);
  REQUIRE(two.failure);
  CHECK(two.failure->kind == sim::failure_kind::body_failed);
  CHECK_FALSE(two.complete);
  CHECK(preemptions(two.failure->decisions) == 2);
  CHECK_THAT(two.failure->replay, Catch::StartsWith("v1:seed=1;strategy=dfs;decisions="));
}

TEST_CASE("sweep returns the first failing seed already shrunk") {
  sim::outcome r = sim::sweep(sim_test::with(sim::strategy::pct), 1, 50, order_violation);
  REQUIRE_FALSE(r.passed);
  CHECK(preemptions(r.decisions) == 2);
}
