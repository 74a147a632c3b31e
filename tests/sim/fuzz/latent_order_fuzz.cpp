// libFuzzer target: the latent-order body (latent_order.hpp), each input
// one simulated run of it with its choices from the input's bytes; the
// ordinary test running the same body under canopy::sim::check is in
// tests/sim/fuzz_test.cpp. Build with clang++ -fsanitize=fuzzer (see
// docs/fuzzing.md) and run: ./latent_order_fuzz -runs=100000
#include <canopy/sim/fuzz.hpp>

#include "latent_order.hpp"

#ifndef LATENT_DEPTH
#define LATENT_DEPTH 3
#endif

CANOPY_FUZZ_TARGET(sim_test::latent_order<LATENT_DEPTH>)
