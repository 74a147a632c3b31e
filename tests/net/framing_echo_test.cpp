// The essay's framing echo server (scenarios/src/framing_echo.c): on
// loopback for real, its points are reached in order and it keeps its
// promises (1,000 connections at once, all served, none cut short); under
// the simulator, with the network's faults on, over a few hundred seeds
// every run passes the simulator's checks and keeps the same promises,
// although connections are refused, reset and partitioned along the way.
#include <canopy/sim/run.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "canopy/scenarios/scenario.h"

extern "C" const struct scenario scenario_framing_echo;

namespace {

struct Notes {
  std::vector<std::string> points;  ///< in the order they were reached
  std::vector<std::string> texts;   ///< what each said
};

long no_random(scenario_env*) { return 0; }

void record(scenario_env* env, const char* point, const char* text) {
  auto* n = static_cast<Notes*>(env->user);
  n->points.push_back(point);
  n->texts.push_back(text);
}

/// Runs the scenario once under `o`; the scenario's own verdict fails the run.
canopy::sim::outcome run_once(const canopy::sim::options& o, Notes& notes) {
  scenario_env env{no_random, record, &notes};
  return canopy::sim::run(o, [&] {
    if (scenario_framing_echo.run(&env) != 0) canopy::sim::fail("the framing echo scenario broke a promise");
  });
}

}  // namespace

TEST_CASE("the framing echo server keeps its promises under resets, refusals and partitions over 300 seeds") {
  int reconnects = 0, cut_off = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    canopy::sim::options o;
    o.seed = seed;
    o.strategy = seed % 2 == 0 ? canopy::sim::strategy::random : canopy::sim::strategy::pct;
    o.net_reset = o.net_refuse = o.net_partition = true;
    Notes notes;
    canopy::sim::outcome out = run_once(o, notes);
    INFO("replay: canopy replay '" << o.replay_line() << "'\n" << out.describe());
    REQUIRE(out.passed);
    REQUIRE(notes.points == std::vector<std::string>{"1", "2", "3", "4", "5"});
    // Partitions heal within 2 s: nobody needs the grace period's end.
    REQUIRE(notes.texts[3] == "every connection finished within the grace period");
    int served = 0, again = 0, lost = 0;
    REQUIRE(std::sscanf(notes.texts[4].c_str(),
                        "server closed; %d connections served (%d made again after a fault, %d clients cut off",
                        &served, &again, &lost) == 3);
    CHECK(served >= 100);
    reconnects += again;
    cut_off += lost;
  }
  // The faults did happen: clients connected again, some after the shutdown
  // had begun and were told so.
  CHECK(reconnects > 300);
  CHECK(cut_off > 0);
}

TEST_CASE("without faults the simulated framing echo server needs no second connection") {
  canopy::sim::options o;
  o.seed = 7;
  Notes notes;
  canopy::sim::outcome out = run_once(o, notes);
  INFO(out.describe());
  REQUIRE(out.passed);
  REQUIRE(notes.texts.size() == 5);
  CHECK(notes.texts[1] == "the server holds all 100 connections at once");
  CHECK(notes.texts[4] == "server closed; 100 connections served (0 made again after a fault, 0 clients cut off by the shutdown)");
}

TEST_CASE("the framing echo server serves 1,000 connections at once and shuts down within its grace period") {
  Notes notes;
  scenario_env env{no_random, record, &notes};
  REQUIRE(scenario_framing_echo.run(&env) == 0);
  CHECK(notes.points == std::vector<std::string>{"1", "2", "3", "4", "5"});
  REQUIRE(notes.texts.size() == 5);
  CHECK(notes.texts[1] == "the server holds all 1000 connections at once");
  CHECK(notes.texts[3] == "every connection finished within the grace period");
}
