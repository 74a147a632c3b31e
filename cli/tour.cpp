#include "tour.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "canopy/detail/api.hpp"
#include "canopy/scenarios/scenario.h"

namespace {

struct Narrator {
  std::mt19937 random{20261121};   ///< fixed: the tour tells the same story every time
  std::int64_t start_ms = 0;
};

long narrator_random(scenario_env* env) {
  return static_cast<long>(static_cast<Narrator*>(env->user)->random() & 0x7fffffff);
}

void narrate(scenario_env* env, const char* point, const char* text) {
  auto* n = static_cast<Narrator*>(env->user);
  std::uint64_t id = canopy::detail::current_id();
  std::string who = id == 0 ? "main" : "coroutine " + std::to_string(id);
  std::printf("  %6lld ms  %-12s (%s) %s\n",
              static_cast<long long>(canopy::detail::now_ms() - n->start_ms), who.c_str(), point, text);
  std::fflush(stdout);
}

int run_one(const scenario& sc) {
  std::printf("\n== %s: %s\n   documented in %s\n", sc.name, sc.title, sc.source);
  Narrator n;
  n.start_ms = canopy::detail::now_ms();
  scenario_env env{narrator_random, narrate, &n};
  int rc = sc.run(&env);
  std::printf("   %s\n", rc == 0 ? "as the document says" : "FAILED: not as the document says");
  return rc;
}

}  // namespace

int canopy_cli_tour(int argc, char** argv) {
  size_t count = 0;
  const scenario* all = scenario_all(&count);
  int failures = 0;
  if (argc > 1) {
    for (int i = 1; i < argc; ++i) {
      const scenario* sc = scenario_find(argv[i]);
      if (sc == nullptr) {
        std::fprintf(stderr, "canopy tour: no scenario named '%s' (see canopy list)\n", argv[i]);
        return 2;
      }
      failures += run_one(*sc) != 0;
    }
  } else {
    std::printf("The structured-concurrency use cases, run on the real runtime in real time.\n");
    for (size_t i = 0; i < count; ++i) failures += run_one(all[i]) != 0;
  }
  std::printf("\n%d scenario(s) did not behave as documented\n", failures);
  return failures == 0 ? 0 : 1;
}
