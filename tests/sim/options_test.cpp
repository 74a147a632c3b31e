// Options, replay lines and environment lines.
#include <catch2/catch.hpp>

#include <cerrno>

#include "canopy/sim/options.hpp"

namespace sim = canopy::sim;

TEST_CASE("a replay line writes only what differs from the defaults, in a fixed order") {
  sim::options o;
  o.seed = 42;
  o.strategy = sim::strategy::pct;
  o.pct_depth = 3;
  CHECK(o.replay_line() == "v1:seed=42;strategy=pct;pct_depth=3");
  o.pct_depth = 5;
  o.jitter_ms = 4;
  CHECK(o.replay_line() == "v1:seed=42;strategy=pct;pct_depth=5;jitter_ms=4");
  CHECK(o.environment_line() == "CANOPY_SEED=42 CANOPY_STRATEGY=pct CANOPY_PCT_DEPTH=5 CANOPY_JITTER_MS=4");
}

TEST_CASE("decision lists drop trailing zeros and compress runs") {
  sim::options o;
  o.strategy = sim::strategy::replay;
  o.decisions = {0, 1, 0, 0, 0, 0, 2, 2, 0, 0};
  o.scenario = "parent-closes-child";
  CHECK(o.replay_line() == "v1:scenario=parent-closes-child;seed=0;strategy=replay;decisions=0,1,0*4,2,2");
  std::string error;
  auto back = sim::options::from_replay(o.replay_line(), error);
  REQUIRE(back);
  CHECK(back->decisions == std::vector<std::uint32_t>{0, 1, 0, 0, 0, 0, 2, 2});
  CHECK(back->scenario == "parent-closes-child");
  CHECK(back->replay_line() == o.replay_line());
}

TEST_CASE("planned injections round-trip through a replay line") {
  std::string error;
  auto o = sim::options::from_replay("v1:seed=3;strategy=random;injections=2c,9t", error);
  REQUIRE(o);
  REQUIRE(o->injections);
  CHECK(*o->injections == std::vector<sim::injection>{{2, ECANCELED}, {9, ETIMEDOUT}});
  CHECK(o->replay_line() == "v1:seed=3;strategy=random;injections=2c,9t");
}

TEST_CASE("a malformed replay line is refused with a sentence naming the bad part") {
  std::string error;
  CHECK_FALSE(sim::options::from_replay("seed=3", error));
  CHECK(error == "a replay line starts with \"v1:\", this one is \"seed=3\"");
  CHECK_FALSE(sim::options::from_replay("v1:seed=3;strategy=sideways", error));
  CHECK(error == "replay line item \"strategy=sideways\" has an unknown key or a malformed value");
  CHECK_FALSE(sim::options::from_replay("v1:seed", error));
  CHECK(error == "replay line item \"seed\" is not key=value");
}

TEST_CASE("network settings round-trip through replay and environment lines") {
  sim::options o;
  o.seed = 7;
  o.net_reset = true;
  o.net_partition = true;
  o.net_latency_ms = 10;
  CHECK(o.replay_line() == "v1:seed=7;strategy=random;net_faults=reset,partition;net_latency_ms=10");
  CHECK(o.environment_line() ==
        "CANOPY_SEED=7 CANOPY_STRATEGY=random CANOPY_NET_FAULTS=reset,partition CANOPY_NET_LATENCY_MS=10");
  std::string error;
  auto back = sim::options::from_replay(o.replay_line(), error);
  REQUIRE(back.has_value());
  CHECK(back->net_reset);
  CHECK_FALSE(back->net_refuse);
  CHECK(back->net_partition);
  CHECK(back->net_latency_ms == 10);
  CHECK(back->net_jitter_ms == -1);
  CHECK_FALSE(sim::options::from_replay("v1:seed=1;net_faults=flood", error).has_value());
}

TEST_CASE("directed cancellation, what-if and slow steps round-trip through replay and environment lines") {
  std::string error;
  auto o = sim::options::from_replay(
      "v1:seed=9;strategy=random;inject=cancel;whatif=cancel,timeout;whatif_per_mille=7;slow_steps=3:2,40:15", error);
  REQUIRE(o);
  CHECK(o->directed_cancel);
  CHECK(o->whatif_cancel);
  CHECK(o->whatif_timeout);
  CHECK(o->whatif_per_mille == 7);
  REQUIRE(o->slow_steps);
  CHECK(*o->slow_steps == std::vector<sim::slow_step>{{3, 2}, {40, 15}});
  CHECK(o->replay_line() ==
        "v1:seed=9;strategy=random;inject=cancel;whatif=cancel,timeout;whatif_per_mille=7;slow_steps=3:2,40:15");
  CHECK(o->environment_line() ==
        "CANOPY_SEED=9 CANOPY_STRATEGY=random CANOPY_INJECT=cancel CANOPY_WHATIF=cancel,timeout "
        "CANOPY_WHATIF_PER_MILLE=7 CANOPY_SLOW_STEPS=3:2,40:15");
  sim::options slow;
  slow.slow_ms = 12;
  CHECK(slow.replay_line() == "v1:seed=0;strategy=random;slow_ms=12");
}

TEST_CASE("malformed slow steps and an injection that cannot happen are refused with a reason") {
  std::string error;
  CHECK_FALSE(sim::options::from_replay("v1:seed=1;slow_steps=5:2,3:1", error));  // not increasing
  CHECK_FALSE(sim::options::from_replay("v1:seed=1;slow_steps=5:0", error));      // a slow step takes time
  CHECK_FALSE(sim::options::from_replay("v1:seed=1;inject=timeout", error));
  CHECK_THAT(error, Catch::Contains("inject=timeout"));
}
