// libFuzzer target: the latent-pattern body (latent_pattern.hpp), each input
// one simulated run of it. Measured against seeds and AFL++ by
// bench/fuzz_compare.py.
#include <canopy/sim/fuzz.hpp>

#include "latent_pattern.hpp"

#ifndef LATENT_DEPTH
#define LATENT_DEPTH 4
#endif

CANOPY_FUZZ_TARGET(sim_test::latent_pattern<LATENT_DEPTH>)
