// Catch2's main, with RapidCheck's seed fixed unless RC_PARAMS says
// otherwise: the simulator's tests are exact, so their generators are too.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

int main(int argc, char* argv[]) {
  // RapidCheck reads RC_PARAMS once, at its first property.
  ::setenv("RC_PARAMS", "seed=20261121", 0);
  return Catch::Session().run(argc, argv);
}
