// The essay's framing echo server (scenarios/src/framing_echo.c) on
// loopback for real: its points are reached in order and it keeps its
// promises (1,000 connections at once, all served, none cut short).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "canopy/scenarios/scenario.h"

extern "C" const struct scenario scenario_framing_echo;

namespace {
struct Notes {
  std::vector<std::string> points;  ///< in the order they were reached
  std::vector<std::string> texts;   ///< what each said
};
long fixed_random(scenario_env*) { return 0; }
void record(scenario_env* env, const char* point, const char* text) {
  auto* n = static_cast<Notes*>(env->user);
  n->points.push_back(point);
  n->texts.push_back(text);
}
}  // namespace

TEST_CASE("the framing echo server serves 1,000 connections at once and shuts down within its grace period") {
  Notes notes;
  scenario_env env{fixed_random, record, &notes};
  REQUIRE(scenario_framing_echo.run(&env) == 0);
  CHECK(notes.points == std::vector<std::string>{"1", "2", "3", "4", "5"});
  REQUIRE(notes.texts.size() == 5);
  CHECK(notes.texts[3] == "every connection finished within the grace period");
}
