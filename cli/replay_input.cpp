// canopy replay --from-input: a fuzz input turned into its replay line.
#include "replay_input.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "canopy/sim/fuzz.hpp"
#include "scenario_run.hpp"
#include "sim_arguments.hpp"

namespace canopy::cli {

namespace {

constexpr const char* usage =
    "canopy replay --from-input FILE SCENARIO   |   canopy replay --from-input FILE -- PROGRAM [ARGS...]";

/// Longest replay line read back from a program.
constexpr std::size_t max_line_bytes = std::size_t{1} << 24;

int from_program(const char* input, char** program) {
  char line_path[] = "/tmp/canopy-fuzz-line-XXXXXX";
  int fd = ::mkstemp(line_path);
  if (fd < 0) {
    std::fprintf(stderr, "canopy: cannot make a temporary file for the replay line: %s\n", std::strerror(errno));
    return 2;
  }
  ::close(fd);
  pid_t child = ::fork();
  if (child < 0) {
    std::fprintf(stderr, "canopy: cannot start %s: %s\n", program[0], std::strerror(errno));
    ::unlink(line_path);
    return 2;
  }
  if (child == 0) {
    // The program's output is not the line: both go to stderr.
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    ::setenv("CANOPY_FUZZ_INPUT", input, 1);
    ::setenv("CANOPY_FUZZ_LINE", line_path, 1);
    ::unsetenv("CANOPY_REPLAY");
    ::unsetenv("CANOPY_SEED");
    ::execvp(program[0], program);
    std::fprintf(stderr, "canopy: cannot run %s: %s\n", program[0], std::strerror(errno));
    std::_Exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  std::string line;
  if (std::FILE* f = std::fopen(line_path, "r"); f != nullptr) {
    int c;
    while ((c = std::fgetc(f)) != EOF && c != '\n' && line.size() < max_line_bytes) line += static_cast<char>(c);
    std::fclose(f);
  }
  ::unlink(line_path);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && line.empty()) return 2;
  if (line.rfind("v1:", 0) != 0) {
    std::fprintf(stderr,
                 "canopy: %s wrote no replay line (is it linked with Canopy, and did it use the runtime?)\n",
                 program[0]);
    return 2;
  }
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "canopy: the run failed: %s died of signal %d (%s)\n", program[0], WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
  } else {
    std::fprintf(stderr, "canopy: the run %s: %s exited with status %d\n",
                 WEXITSTATUS(status) == 0 ? "passed" : "failed", program[0], WEXITSTATUS(status));
  }
  std::printf("%s\n", line.c_str());
  return 0;
}

int from_scenario(const std::vector<std::uint8_t>& input, const char* name) {
  std::string error;
  const scenario* sc = find_scenario(name, error);
  if (sc == nullptr) return bad(usage, error);
  sim::options base;
  base.scenario = sc->name;
  sim::outcome r = run_scenario(*sc, sim::input_options(base, input), nullptr);
  std::fprintf(stderr, "canopy: the run %s%s\n", r.passed ? "passed" : "failed: ",
               r.passed ? "" : (std::string(sim::to_string(r.kind)) + ": " + r.report).c_str());
  std::printf("%s\n", r.replay.c_str());
  return 0;
}

}  // namespace

int replay_from_input(int argc, char** argv) {
  if (argc < 2) return bad(usage, "--from-input needs the input file");
  const char* path = argv[1];
  std::string error;
  auto input = sim::read_input_file(path, error);
  if (!input) return bad(usage, error);
  if (argc >= 4 && std::string_view(argv[2]) == "--") return from_program(path, argv + 3);
  if (argc == 3 && std::string_view(argv[2]) != "--") return from_scenario(*input, argv[2]);
  return bad(usage, "after the input, a scenario or -- and a program to run");
}

}  // namespace canopy::cli
