// Running whole programs from a test: a shell command with some variables,
// its output and exit status (tests of programs under CANOPY_SEED and
// CANOPY_FUZZ_INPUT).
#pragma once

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace sim_test {

struct Result {
  std::string output;  ///< stdout, and stderr unless dropped
  int status = -1;     ///< exit status, or 128 + the signal
};

/// Runs `command` with `environment` ("NAME=value ..."), none of the
/// simulator's run variables inherited from the test's own environment.
/// Captures stderr with stdout unless `stderr_too` is false (then dropped).
inline Result shell(const std::string& environment, const std::string& command, bool stderr_too = true) {
  std::string line = "env -u CANOPY_TRACE -u CANOPY_SEED -u CANOPY_REPLAY -u CANOPY_FUZZ_INPUT -u CANOPY_FUZZ_LINE " +
                     environment + " " + command + (stderr_too ? " 2>&1" : " 2>/dev/null");
  Result r;
  FILE* p = popen(line.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace sim_test
