// The header surface compiled as C with DILL_DISABLE_RAW_NAMES (its code is
// in header_surface.c).
#include "virtual_time.hpp"

#include <catch2/catch.hpp>

extern "C" int header_surface_in_c(void);

TEST_CASE("a C program using only the dill_ names, storage structs and constants builds and runs") {
  auto run = canopy::testing::run_virtual([] { CHECK(header_surface_in_c() == 0); });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
}
