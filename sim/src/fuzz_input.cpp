// Fuzz inputs: the options an input stands for, reading input files, and
// libFuzzer's side of a body. The bytes a run reads: InputChoices (choices.cpp).
#include "fuzz_input.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "abort_note.hpp"
#include "canopy/sim/fuzz.hpp"
#include "simulation.hpp"

namespace canopy::sim {

namespace detail {

options whole_program_input(const options& base, const char* spec, std::string& error) {
  std::string path = spec;
  if (path.size() >= 2 && path[0] == '@') {
    std::uint64_t n = 0;
    for (char c : path.substr(1)) n = (c >= '0' && c <= '9' && n < 1000) ? n * 10 + static_cast<std::uint64_t>(c - '0') : ~0ull;
    std::FILE* f = std::fopen("/proc/self/cmdline", "rb");
    std::string raw;
    if (f != nullptr) {
      char buffer[4096];
      std::size_t got;
      while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0 && raw.size() < (1u << 20)) raw.append(buffer, got);
      std::fclose(f);
    }
    std::vector<std::string> args;
    for (std::size_t start = 0; start < raw.size();) {
      std::size_t end = raw.find('\0', start);
      if (end == std::string::npos) end = raw.size();
      args.push_back(raw.substr(start, end - start));
      start = end + 1;
    }
    if (n == ~0ull || n == 0 || n >= args.size()) {
      error = "CANOPY_FUZZ_INPUT=" + path + " is not valid (expected a path, or @N for the program's argument N, "
              "which it has " + std::to_string(args.empty() ? 0 : args.size() - 1) + " of)";
      return base;
    }
    path = args[n];
  }
  auto bytes = read_input_file(path, error);
  if (!bytes) {
    error = "CANOPY_FUZZ_INPUT: " + error;
    return base;
  }
  return input_options(base, *bytes);
}

void write_fuzz_line(const Simulation& sim) {
  const char* path = std::getenv("CANOPY_FUZZ_LINE");
  if (path == nullptr || *path == '\0') return;
  std::FILE* f = std::fopen(path, "w");
  if (f == nullptr) {
    std::fprintf(stderr, "canopy: cannot write the replay line to CANOPY_FUZZ_LINE=%s: %s\n", path, std::strerror(errno));
    return;
  }
  std::fprintf(f, "%s\n", sim.replay_options().replay_line().c_str());
  std::fclose(f);
}

void abort_for_fuzzer() {
  // The report and its line are printed already: nothing more on abort.
  set_abort_hook(nullptr);
  clear_abort_note();
  std::fflush(nullptr);
  std::abort();
}

}  // namespace detail

options input_options(const options& base, std::span<const std::uint8_t> input) {
  options o = base;
  o.seed = 0;
  for (std::size_t i = 0; i < fuzz_seed_bytes && i < input.size(); ++i)
    o.seed |= static_cast<std::uint64_t>(input[i]) << (8 * i);
  // replay, not a strategy of its own: equal timer deadlines then take the
  // seeded order a replay of the resulting line takes too.
  o.strategy = strategy::replay;
  o.decisions.clear();
  o.injections.reset();
  o.slow_steps.reset();
  const std::span<const std::uint8_t> choices =
      input.size() > fuzz_seed_bytes ? input.subspan(fuzz_seed_bytes) : std::span<const std::uint8_t>{};
  o.fuzz_choices = std::vector<std::uint8_t>(choices.begin(), choices.end());
  return o;
}

std::optional<std::vector<std::uint8_t>> read_input_file(const std::string& path, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot read the fuzz input " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::vector<std::uint8_t> bytes;
  std::uint8_t buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    bytes.insert(bytes.end(), buffer, buffer + n);
    if (bytes.size() > max_fuzz_input_bytes) {
      std::fclose(f);
      error = "the fuzz input " + path + " is longer than " + std::to_string(max_fuzz_input_bytes) + " bytes";
      return std::nullopt;
    }
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    error = "cannot read the fuzz input " + path;
    return std::nullopt;
  }
  return bytes;
}

void fuzz_one_erased(std::span<const std::uint8_t> input, void (*body)(void*), void* context) {
  // The CANOPY_* settings (injection, jitter, budgets) apply to every input;
  // read once, since libFuzzer calls this millions of times.
  static const options base = [] {
    std::string error;
    options o = options::from_environment(options{}, error);
    if (!error.empty()) {
      std::fprintf(stderr, "canopy: %s\n", error.c_str());
      std::exit(2);
    }
    return o;
  }();
  outcome r = run_erased(input_options(base, input), body, context);
  if (r.passed) return;
  std::fprintf(stderr, "canopy: %s\ncanopy: repeat it with CANOPY_REPLAY='%s' and the test program\n",
               r.describe().c_str(), r.replay.c_str());
  std::fflush(nullptr);
  std::abort();
}

}  // namespace canopy::sim
