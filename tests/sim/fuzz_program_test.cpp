// Whole programs, unmodified, under CANOPY_FUZZ_INPUT: the input's bytes
// choose the run, the runtime's failures die of SIGABRT (what fuzzers call a
// crash), and the run's ordinary replay line repeats it, trace and all.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "shell.hpp"

using Catch::Contains;

namespace {

using sim_test::Result;

Result run(const std::string& environment, const std::string& command, bool stderr_too = true) {
  return sim_test::shell(environment, command, stderr_too);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// A scratch file name of this test process.
std::string scratch(const std::string& name) {
  return "/tmp/canopy-fuzz-program-" + std::to_string(::getpid()) + "-" + name;
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// The trace without its header: the header says how the run was asked for
/// (an input, a line), the rest is what happened.
std::string events_of(const std::string& trace) { return trace.substr(trace.find('\n') + 1); }

/// The first input (of a fixed sequence) on which the latent program fails.
std::vector<unsigned char> failing_latent_input(const std::string& path) {
  std::uint64_t state = 12345;
  for (int attempt = 0; attempt < 400; ++attempt) {
    std::vector<unsigned char> bytes(8, 0);
    bytes[0] = static_cast<unsigned char>(attempt);
    for (int i = 0; i < 40; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      bytes.push_back(static_cast<unsigned char>(state >> 59));  // small values: mostly picks among few
    }
    write_bytes(path, bytes);
    if (run("CANOPY_FUZZ_INPUT=" + path, CANOPY_SIM_PROGRAM_LATENT).status == 128 + 6) return bytes;
  }
  FAIL("no input of the sequence makes the latent program fail");
  return {};
}

}  // namespace

TEST_CASE("an unmodified C program that deadlocks under CANOPY_FUZZ_INPUT dies of SIGABRT with the report and its replay line") {
  const std::string input = scratch("deadlock.input");
  write_bytes(input, {7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1});
  Result r = run("CANOPY_FUZZ_INPUT=" + input, CANOPY_SIM_PROGRAM_DEADLOCK);
  CHECK(r.status == 128 + 6);
  CHECK_THAT(r.output, Contains("canopy: deadlock: every coroutine is blocked") &&
                           Contains("canopy: replay: CANOPY_SEED=7 CANOPY_STRATEGY=replay"));
  // Exactly one replay line: the abort adds none of its own.
  CHECK(r.output.find("replay:") == r.output.rfind("replay:"));
  std::remove(input.c_str());
}

TEST_CASE("an unmodified C program that leaks under a fuzz input dies of SIGABRT after the leak report") {
  const std::string input = scratch("leak.input");
  write_bytes(input, {7});
  Result r = run("CANOPY_FUZZ_INPUT=" + input, CANOPY_SIM_PROGRAM_LEAKY);
  CHECK(r.status == 128 + 6);
  CHECK_THAT(r.output, Contains("canopy: leak: 1 coroutine(s) still alive at exit") &&
                           Contains("canopy: replay: CANOPY_SEED=7 CANOPY_STRATEGY=replay"));
  std::remove(input.c_str());
}

TEST_CASE("a latent bug found through a fuzz input converts to a replay line that repeats the run trace for trace") {
  const std::string input = scratch("latent.input"), line_file = scratch("latent.line");
  const std::string fuzz_trace = scratch("fuzz.trace"), replay_trace = scratch("replay.trace");
  failing_latent_input(input);
  Result fuzzed = run("CANOPY_FUZZ_INPUT=" + input + " CANOPY_FUZZ_LINE=" + line_file + " CANOPY_TRACE=" + fuzz_trace,
                      CANOPY_SIM_PROGRAM_LATENT);
  CHECK(fuzzed.status == 128 + 6);
  CHECK_THAT(fuzzed.output, Contains("stage 3 of 3") && Contains("the workers finished longest first") &&
                                Contains("canopy: aborted under the simulator; replay: CANOPY_SEED=") &&
                                Contains("CANOPY_STRATEGY=replay CANOPY_DECISIONS="));
  std::string line = slurp(line_file);
  REQUIRE(line.rfind("v1:seed=", 0) == 0);
  line.pop_back();  // the newline
  CHECK_THAT(line, Contains(";strategy=replay;decisions="));
  Result replayed = run("CANOPY_REPLAY='" + line + "' CANOPY_TRACE=" + replay_trace, CANOPY_SIM_PROGRAM_LATENT);
  CHECK(replayed.status == 128 + 6);
  CHECK_THAT(replayed.output, Contains("stage 3 of 3"));
  const std::string a = slurp(fuzz_trace), b = slurp(replay_trace);
  REQUIRE(!a.empty());
  CHECK(events_of(a) == events_of(b));
  // The printed command form repeats it too.
  std::size_t at = fuzzed.output.find("replay: CANOPY_SEED=");
  std::string command = fuzzed.output.substr(at + 8, fuzzed.output.find('\n', at) - at - 8);
  CHECK_THAT(run("", command).output, Contains("stage 3 of 3"));
#ifdef CANOPY_CLI_PROGRAM
  // canopy replay --from-input prints the same line, the program's own
  // output going to stderr.
  Result cli = run("", std::string(CANOPY_CLI_PROGRAM) + " replay --from-input " + input + " -- " +
                           CANOPY_SIM_PROGRAM_LATENT, false);
  CHECK(cli.status == 0);
  CHECK(cli.output == line + "\n");
#endif
  for (const std::string& f : {input, line_file, fuzz_trace, replay_trace}) std::remove(f.c_str());
}

TEST_CASE("CANOPY_FUZZ_INPUT=@1 takes the input from the program's first argument, as afl-fuzz's @@ gives it") {
  const std::string input = scratch("arg.input");
  write_bytes(input, {7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1});
  Result by_path = run("CANOPY_FUZZ_INPUT=" + input, CANOPY_SIM_PROGRAM_DEADLOCK);
  Result by_argument = run("CANOPY_FUZZ_INPUT=@1", std::string(CANOPY_SIM_PROGRAM_DEADLOCK) + " " + input);
  CHECK(by_argument.status == 128 + 6);
  // The same run; only the command in the replay line differs (it names the argument).
  CHECK(by_argument.output.substr(0, by_argument.output.find("canopy: replay:")) ==
        by_path.output.substr(0, by_path.output.find("canopy: replay:")));
  Result missing = run("CANOPY_FUZZ_INPUT=@2", std::string(CANOPY_SIM_PROGRAM_DEADLOCK) + " " + input);
  CHECK(missing.status == 2);
  CHECK_THAT(missing.output, Contains("CANOPY_FUZZ_INPUT=@2 is not valid (expected a path, or @N for the "
                                      "program's argument N, which it has 1 of)"));
  std::remove(input.c_str());
}

TEST_CASE("an unreadable CANOPY_FUZZ_INPUT, or one set together with CANOPY_REPLAY, exits 2 with a sentence") {
  Result r = run("CANOPY_FUZZ_INPUT=/nonexistent/input", CANOPY_SIM_PROGRAM_DEADLOCK);
  CHECK(r.status == 2);
  CHECK(r.output == "canopy: CANOPY_FUZZ_INPUT: cannot read the fuzz input /nonexistent/input: No such file or directory\n");
  const std::string input = scratch("both.input");
  write_bytes(input, {1});
  Result both = run("CANOPY_FUZZ_INPUT=" + input + " CANOPY_REPLAY='v1:seed=1;strategy=fifo'", CANOPY_SIM_PROGRAM_DEADLOCK);
  CHECK(both.status == 2);
  CHECK_THAT(both.output, Contains("CANOPY_FUZZ_INPUT and CANOPY_REPLAY are both set"));
  std::remove(input.c_str());
}

TEST_CASE("a passing run under a fuzz input exits 0 and still writes its replay line") {
  const std::string input = scratch("pass.input"), line_file = scratch("pass.line");
  write_bytes(input, {2, 0, 0, 0, 0, 0, 0, 0});
  Result r = run("CANOPY_FUZZ_INPUT=" + input + " CANOPY_FUZZ_LINE=" + line_file, CANOPY_SIM_PROGRAM_LATENT);
  CHECK(r.status == 0);
  CHECK(r.output == "stage 1 of 3\n");
  // Whole programs have no budgets: the line says so, for CANOPY_REPLAY.
  CHECK(slurp(line_file) == "v1:seed=2;strategy=replay;max_steps=0;max_virtual_ms=0\n");
  for (const std::string& f : {input, line_file}) std::remove(f.c_str());
}
