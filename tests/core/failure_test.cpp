// What the runtime reports when a program goes wrong: deadlocks (instead of
// hanging), broken structure, crashed coroutines, stack overflows. The real
// runtime's reports end the process, so those tests run in a forked child.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"
#include "child_process.hpp"

#include <libdill.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <stdexcept>
#include <string>


using canopy::testing::in_child;
using canopy::testing::run_virtual;

namespace {

coroutine void waits_forever(int ch) {
  int v;
  chrecv(ch, &v, sizeof v, -1);
}

coroutine void sleeps_long(void) { msleep(now() + 100000); }

coroutine void leaves_child_running(int* child) { *child = go(sleeps_long()); }

coroutine void spawns_and_leaks(void) { go(sleeps_long()); }

}  // namespace

TEST_CASE("a deadlock is reported with who waits on what, and the process exits with status 3") {
  auto r = in_child([] {
    int ch[2];
    chmake(ch);
    go(waits_forever(ch[0]));
    int v;
    chrecv(ch[0], &v, sizeof v, -1);  // nobody will ever send
  });
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 3);
  CHECK_THAT(r.output, Catch::Contains("deadlock: every coroutine is blocked"));
  // Ids depend on what this test process ran before the fork.
  CHECK_THAT(r.output, Catch::Contains("main blocked in chrecv on channel "));
  CHECK_THAT(r.output, Catch::Contains("(waits_forever(ch[0])) blocked in chrecv on channel "));
  CHECK_THAT(r.output, Catch::Contains("failure_test.cpp"));
}

TEST_CASE("a deadlock under a platform with a failure sink is handed to it, not printed") {
  auto run = run_virtual([] {
    int ch[2];
    chmake(ch);
    int v;
    chrecv(ch[0], &v, sizeof v, -1);
  });
  CHECK_FALSE(run.finished);
  CHECK(run.deadlock == "deadlock: every coroutine is blocked and nothing can wake one\n"
                        "  main blocked in chrecv on channel 1");
}

TEST_CASE("a stack overflow hits the guard page and is reported with the spawn site") {
  // A separate program: Catch2 installs its own SIGSEGV handler in this one.
  auto r = in_child([] {
    execl(CANOPY_OVERFLOW_PROGRAM, CANOPY_OVERFLOW_PROGRAM, static_cast<char*>(nullptr));
    _exit(127);
  });
  INFO("status " << r.status << ", stderr: " << r.output);
  REQUIRE(WIFSIGNALED(r.status));
  CHECK(WTERMSIG(r.status) == SIGSEGV);
  CHECK_THAT(r.output, Catch::Contains("canopy: stack overflow in coroutine 1 spawned at "));
  CHECK_THAT(r.output, Catch::Contains("overflow.c:"));
  CHECK_THAT(r.output, Catch::Contains("(overflows(0))"));
  CHECK_THAT(r.output, Catch::Contains("-byte stack into the guard page"));
}

TEST_CASE("a coroutine exiting while its child still runs breaks the structure and is reported") {
  auto run = run_virtual([] {
    int child = -1;
    int h = go(leaves_child_running(&child));
    hclose(h);
    hclose(child);
  });
  CHECK(run.finished);
  REQUIRE(run.broken.size() == 1);
  CHECK_THAT(run.broken[0], Catch::StartsWith("coroutine 1 spawned at"));
  CHECK_THAT(run.broken[0], Catch::Contains("still running: coroutine 2 spawned at"));
  CHECK_THAT(run.broken[0], Catch::Contains("(sleeps_long())"));
}

TEST_CASE("the real runtime prints a broken structure as a warning and carries on") {
  auto r = in_child([] {
    int h = go(spawns_and_leaks());
    hclose(h);
  });
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 0);
  CHECK_THAT(r.output, Catch::Contains("canopy: structure broken: coroutine "));
  CHECK_THAT(r.output, Catch::Contains("(spawns_and_leaks()) exited while children it owns were running"));
}

TEST_CASE("an exception escaping a coroutine is reported with its spawn site") {
  auto run = run_virtual([] {
    auto c = canopy_go_(throw std::runtime_error("boom"), NULL, 0, 0, -1);
    (void)c;
  });
  CHECK_FALSE(run.finished);
  CHECK_THAT(run.crash, Catch::Contains("coroutine 1 spawned at"));
  CHECK_THAT(run.crash, Catch::Contains("boom"));
}
