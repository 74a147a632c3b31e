// Every documented use case as a RapidCheck property under the simulator:
// random timings (the scenario's random()), a random seed and strategy
// deciding the interleavings. Whatever they are, the run passes the
// simulator's own checks (no deadlock, no leak, no structure broken except
// where the scenario breaks it on purpose, no livelock), the scenario keeps
// its document's promises, and the promises with a time in them hold to the
// millisecond. A failure prints the replay line.
#include <rapidcheck.h>

#include <canopy/sim/run.hpp>
#include <canopy/time.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "canopy/scenarios/scenario.h"

namespace {

struct Note {
  std::int64_t ms;   ///< virtual ms since the run began
  std::string point;
};

struct Env {
  std::mt19937_64 random;
  std::int64_t start_ms = 0;
  std::vector<Note> notes;
};

long env_random(scenario_env* e) { return static_cast<long>(static_cast<Env*>(e->user)->random() >> 33); }

void env_note(scenario_env* e, const char* point, const char* /*text*/) {
  auto* env = static_cast<Env*>(e->user);
  env->notes.push_back({canopy::clock::now().time_since_epoch().count() - env->start_ms, point});
}

std::int64_t at(const std::vector<Note>& notes, const std::string& point) {
  for (const Note& n : notes) {
    if (n.point == point) return n.ms;
  }
  return -1;
}

}  // namespace

TEST_CASE("every scenario passes under the simulator over random seeds, strategies and timings") {
  size_t count = 0;
  const scenario* all = scenario_all(&count);
  for (size_t i = 0; i < count; ++i) {
    const scenario& sc = all[i];
    bool ok = rc::check(std::string(sc.name) + " under the simulator", [&sc] {
      canopy::sim::options o;
      o.seed = *rc::gen::arbitrary<std::uint64_t>();
      o.strategy = *rc::gen::element(canopy::sim::strategy::fifo, canopy::sim::strategy::random,
                                     canopy::sim::strategy::pct);
      o.scenario = sc.name;
      o.stop_at_structure_broken = !sc.unstructured;
      Env env{std::mt19937_64(*rc::gen::arbitrary<std::uint64_t>()), 0, {}};
      scenario_env e{env_random, env_note, &env};
      int rc_value = -2;
      auto started = std::chrono::steady_clock::now();
      canopy::sim::outcome out = canopy::sim::run(o, [&] {
        env.start_ms = canopy::clock::now().time_since_epoch().count();
        rc_value = sc.run(&e);
      });
      auto wall = std::chrono::steady_clock::now() - started;
      RC_LOG() << "replay: canopy replay '" << o.replay_line() << "'\n" << out.describe() << "\n";
      RC_ASSERT(out.passed);
      RC_ASSERT(rc_value == 0);
      RC_ASSERT(out.structure_reports.size() == (sc.unstructured ? 1u : 0u));
      std::string name = sc.name;
      if (name == "nested-grace-periods") {
        // main is done exactly 500 ms after it began to cancel, and bar
        // exits before foo, at that same instant.
        RC_ASSERT(at(env.notes, "main-done") - at(env.notes, "main-grace") == 500);
        RC_ASSERT(at(env.notes, "bar-cancelled") == at(env.notes, "main-done"));
        RC_ASSERT(at(env.notes, "foo-exit") == at(env.notes, "main-done"));
      } else if (name == "thousand-children") {
        // 30 s of grace in parallel: the shutdown ends at most 30 s after
        // it began, and the whole run takes well under a second of wall time.
        RC_ASSERT(at(env.notes, "4") - at(env.notes, "2") <= 30000);
        RC_ASSERT(wall < std::chrono::seconds(1));
      } else if (name == "children-grace-period" || name == "parent-closes-children") {
        // hclose returns at the moment it is called: cancellation does not wait.
        RC_ASSERT(at(env.notes, name == "children-grace-period" ? "5" : "3") <= 500);
      } else if (name == "parent-closes-child") {
        RC_ASSERT(env.notes.back().point == "3");
      }
    });
    CHECK(ok);
  }
}
