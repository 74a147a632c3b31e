// Whole programs, unmodified, under CANOPY_SEED: run as subprocesses.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "shell.hpp"

using Catch::Contains;

namespace {
using sim_test::Result;
Result run(const std::string& environment, const char* program) { return sim_test::shell(environment, program); }
}  // namespace

TEST_CASE("an unmodified C program under CANOPY_SEED prints exact virtual times") {
  for (const char* seed : {"1", "2", "99"}) {
    Result r = run(std::string("CANOPY_SEED=") + seed, CANOPY_SIM_PROGRAM_SLEEPER);
    CHECK(r.status == 0);
    CHECK(r.output ==
          "worker 1 woke at 1500 ms\n"
          "worker 2 woke at 30000 ms\n"
          "bundle_wait returned 0 at 30000 ms\n");
  }
}

TEST_CASE("an unmodified C program that deadlocks exits with status 3, the report and the replay line") {
  Result r = run("CANOPY_SEED=42 CANOPY_STRATEGY=pct CANOPY_PCT_DEPTH=3", CANOPY_SIM_PROGRAM_DEADLOCK);
  CHECK(r.status == 3);
  CHECK_THAT(r.output, Contains("waiting for the worker\n") &&
                           Contains("canopy: deadlock: every coroutine is blocked") &&
                           Contains("main blocked in chrecv on channel 2") &&
                           Contains("coroutine 1 spawned at") && Contains("deadlock.c:") &&
                           Contains("blocked in chrecv on channel 1") &&
                           Contains("canopy: replay: CANOPY_SEED=42 CANOPY_STRATEGY=pct CANOPY_PCT_DEPTH=3 "));
  // The replay line names the program; run it and the same report comes out.
  std::size_t at = r.output.find("canopy: replay: ");
  std::string line = r.output.substr(at + 16, r.output.find('\n', at) - at - 16);
  Result again = run("", line.c_str());
  CHECK(again.status == 3);
  CHECK(again.output == r.output);
}

TEST_CASE("an unmodified C program that leaks a coroutine is reported at exit") {
  Result r = run("CANOPY_SEED=7", CANOPY_SIM_PROGRAM_LEAKY);
  CHECK(r.status == 8);
  CHECK_THAT(r.output, Contains("canopy: leak: 1 coroutine(s) still alive at exit") &&
                           Contains("leaky.c:") && Contains("blocked in msleep") &&
                           Contains("canopy: replay: CANOPY_SEED=7 "));
}

TEST_CASE("without CANOPY_SEED the same program runs on the real runtime") {
  Result r = run("CANOPY_SEED=", CANOPY_SIM_PROGRAM_LEAKY);
  CHECK(r.status == 0);
  CHECK(r.output.empty());
}

TEST_CASE("a malformed CANOPY_STRATEGY is refused with exit status 2 and a sentence naming it") {
  Result r = run("CANOPY_SEED=1 CANOPY_STRATEGY=sideways", CANOPY_SIM_PROGRAM_LEAKY);
  CHECK(r.status == 2);
  CHECK(r.output == "canopy: CANOPY_STRATEGY=sideways is not valid (expected fifo, random, pct, dfs, replay or auto)\n");
}

TEST_CASE("a failed assertion under the simulator prints the replay line before the process dies") {
  Result r = run("CANOPY_SEED=11", CANOPY_SIM_PROGRAM_ABORTS);
  CHECK(r.status == 128 + 6);  // SIGABRT
  CHECK_THAT(r.output, Contains("the worker's assertion fails on purpose") &&
                           Contains("canopy: aborted under the simulator; replay: CANOPY_SEED=11 "));
}

TEST_CASE("timer jitter from the environment moves wake-ups late within the bound, the same way for the same seed") {
  Result a = run("CANOPY_SEED=5 CANOPY_JITTER_MS=7", CANOPY_SIM_PROGRAM_SLEEPER);
  Result b = run("CANOPY_SEED=5 CANOPY_JITTER_MS=7", CANOPY_SIM_PROGRAM_SLEEPER);
  CHECK(a.status == 0);
  CHECK(a.output == b.output);
  int w1 = 0, w2 = 0;
  REQUIRE(std::sscanf(a.output.c_str(), "worker 1 woke at %d ms\nworker 2 woke at %d ms", &w1, &w2) == 2);
  CHECK(w1 >= 1500);
  CHECK(w1 <= 1507);
  CHECK(w2 >= 30000);
  CHECK(w2 <= 30007);
}

TEST_CASE("a cancelled coroutine that ignores ECANCELED in a whole program is reported with exit status 6") {
  Result r = run("CANOPY_SEED=3 CANOPY_CANCELLED_BUDGET=50", CANOPY_SIM_PROGRAM_STUBBORN);
  CHECK(r.status == 6);
  CHECK_THAT(r.output, Contains("canopy: coroutine 1 was cancelled but kept running: 51 blocking calls") &&
                           Contains("canopy: replay: CANOPY_SEED=3 CANOPY_STRATEGY=random CANOPY_CANCELLED_BUDGET=50 "));
}

TEST_CASE("a stack overflow under the simulator is reported with the replay line") {
  Result r = run("CANOPY_SEED=4 CANOPY_STACK_BYTES=16384", CANOPY_SIM_PROGRAM_OVERFLOW);
  CHECK(r.status == 128 + 11);  // SIGSEGV
  CHECK_THAT(r.output, Contains("canopy: stack overflow in coroutine 1 spawned at") && Contains("overflow.c:") &&
                           Contains("canopy: replay: CANOPY_SEED=4 CANOPY_STRATEGY=random "));
}

TEST_CASE("a malformed CANOPY_REPLAY is refused with exit status 2 and a sentence naming the variable") {
  Result r = run("CANOPY_REPLAY=v1:seed=x", CANOPY_SIM_PROGRAM_SLEEPER);
  CHECK(r.status == 2);
  CHECK(r.output == "canopy: CANOPY_REPLAY=v1:seed=x is not valid: replay line item \"seed=x\" has an unknown key "
                    "or a malformed value\n");
}

TEST_CASE("variables that CANOPY_REPLAY overrides are named in a warning, and the replay line wins") {
  Result r = run("CANOPY_REPLAY='v1:seed=1;strategy=random' CANOPY_SEED=99 CANOPY_JITTER_MS=5", CANOPY_SIM_PROGRAM_SLEEPER);
  CHECK(r.status == 0);
  CHECK(r.output ==
        "canopy: warning: CANOPY_REPLAY is set, so CANOPY_SEED, CANOPY_JITTER_MS are ignored (the replay line says "
        "it all)\n"
        "worker 1 woke at 1500 ms\n"
        "worker 2 woke at 30000 ms\n"
        "bundle_wait returned 0 at 30000 ms\n");
}

TEST_CASE("an unknown CANOPY_ variable draws a warning naming it, with or without the simulator") {
  for (const char* seed : {"CANOPY_SEED=1 ", ""}) {
    Result r = run(std::string(seed) + "CANOPY_JITER_MS=5", CANOPY_SIM_PROGRAM_LEAKY);
    CHECK_THAT(r.output, Catch::StartsWith("canopy: warning: CANOPY_JITER_MS is not a variable Canopy reads "
                                           "(misspelt?); it is ignored\n"));
  }
}

TEST_CASE("a malformed CANOPY_NET_FAULTS is refused with exit status 2 and a sentence naming it") {
  Result r = run("CANOPY_SEED=1 CANOPY_NET_FAULTS=reset,flood", CANOPY_SIM_PROGRAM_LEAKY);
  CHECK(r.status == 2);
  CHECK(r.output ==
        "canopy: CANOPY_NET_FAULTS=reset,flood is not valid (expected a list of reset, refuse and partition, e.g. "
        "reset,partition)\n");
}

namespace {
std::string read_file(const std::string& path) {
  std::string text;
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return text;
  char buf[512];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }
}  // namespace

TEST_CASE("a whole program using a real pipe between its coroutines runs under the simulator, reproducibly") {
  std::string trace = "pipes-inside.trace";
  Result r = run("CANOPY_SEED=3 CANOPY_TRACE=" + trace, CANOPY_SIM_PROGRAM_PIPES);
  CHECK(r.status == 0);
  CHECK(r.output == "read 1 byte from the pipe at 30 ms\n");
  std::string text = read_file(trace);
  CHECK_THAT(first_line(text), Contains("\"reproducible\":true "));
  Result again = run("CANOPY_SEED=3 CANOPY_TRACE=pipes-again.trace", CANOPY_SIM_PROGRAM_PIPES);
  CHECK(again.output == r.output);
  CHECK(read_file("pipes-again.trace") == text);
}

TEST_CASE("a whole program waiting on standard input from another process works and its trace says not reproducible") {
  std::string trace = "pipes-outside.trace";
  Result r = run("CANOPY_SEED=3 CANOPY_TRACE=" + trace + " sh -c 'echo hello | \"$0\" stdin'",
                 CANOPY_SIM_PROGRAM_PIPES);
  CHECK(r.status == 0);
  CHECK(r.output == "stdin gave 6 bytes\n");
  std::string text = read_file(trace);
  CHECK_THAT(first_line(text), Contains("\"reproducible\":false"));
  CHECK_THAT(text, Contains("\"kind\":\"outside\",\"fd\":0"));
}

TEST_CASE("a whole program that touched the outside says so after its failure report") {
  Result r = run("CANOPY_SEED=3 sh -c 'echo hello | \"$0\" stdin-then-hang'", CANOPY_SIM_PROGRAM_PIPES);
  CHECK(r.status == 3);
  CHECK_THAT(r.output, Contains("canopy: deadlock"));
  CHECK_THAT(r.output, Contains("canopy: replay: CANOPY_SEED=3"));
  CHECK_THAT(r.output, Contains("canopy: not reproducible: the run waited on descriptor 0 (a pipe whose other end "
                                "this process does not hold, connected to the outside)"));
}

TEST_CASE("libdill's TCP calls run on the simulated network with the exact virtual latency") {
  Result r = run("CANOPY_SEED=1 CANOPY_NET_LATENCY_MS=10 CANOPY_NET_JITTER_MS=0", CANOPY_SIM_PROGRAM_TCP_ECHO);
  CHECK(r.status == 0);
  // Connected after the round trip (20 ms); the server accepts at 30 ms, when
  // the hello sent at 20 ms arrives too; the echo is back at 40 ms.
  CHECK(r.output == "connected at 20 ms\nserver got hello at 30 ms\nclient got hello back at 40 ms\n");
}

TEST_CASE("the TCP echo passes on the simulated network for every seed, with seeded latencies") {
  for (int seed = 1; seed <= 20; ++seed) {
    Result r = run("CANOPY_SEED=" + std::to_string(seed), CANOPY_SIM_PROGRAM_TCP_ECHO);
    CHECK(r.status == 0);
    CHECK_THAT(r.output, Contains("client got hello back at"));
  }
}
