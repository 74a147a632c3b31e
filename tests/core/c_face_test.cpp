// Checks on the C face, whose code is in c_face.c (compiled as C at -O2).
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <catch2/catch.hpp>


extern "C" {
int c_face_pointer_to_local(void);
int c_face_many_arguments(void);
int c_face_loop_of_go(int n);
int c_face_stack_on_stack(void);
}

TEST_CASE("a child's writes through a pointer to the parent's local are seen by the parent at -O2") {
  CHECK(c_face_pointer_to_local() == 0);
}

TEST_CASE("go passes every argument, including those that do not fit in registers") {
  CHECK(c_face_many_arguments() == 36);
}

TEST_CASE("go in a loop does not grow the caller's stack") {
  auto run = canopy::testing::run_virtual([] { CHECK(c_face_loop_of_go(200000) == 200000); });
  CHECK(run.finished);
}

TEST_CASE("go_stack and go_mem run a child on the caller's memory and refuse tiny stacks") {
  auto run = canopy::testing::run_virtual([] { CHECK(c_face_stack_on_stack() == 0); });
  CHECK(run.finished);
}
