// Coverage-guided fuzzing of schedules: a fuzzer's input bytes become every
// choice of one simulated run, so that AFL++ or libFuzzer, keeping the
// inputs that reach new code, search the realizable schedules by what they
// reach. A failing input converts to an ordinary replay line.
//
// An input is read as (docs/fuzzing.md):
//   bytes 0..7   the seed, little-endian (a shorter input is padded with
//                zeros): timer tie-breaks, jitter and the simulated network
//                draw from it, as in any seeded run;
//   bytes 8..    the choice bytes, read in the order the run makes its
//                recorded choices: each scheduling decision (one byte when
//                up to 256 coroutines are ready, taken modulo their number)
//                with slow steps on (slow_ms), each step (is it slow, and
//                how slow); with what-if injection on (CANOPY_WHATIF), each
//                blocking call (one byte: below per-mille/1000 of 256
//                injects). Past the end: fifo, no slow step, no injection.
// The run's replay line is `v1:seed=S;strategy=replay;decisions=...` (and
// `slow_steps=...`, `injections=...`): the same run, repeatable and
// shrinkable like any other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "canopy/sim/options.hpp"
#include "canopy/sim/outcome.hpp"
#include "canopy/sim/run.hpp"

namespace canopy::sim {

/// Bytes of an input taken as the seed.
inline constexpr std::size_t fuzz_seed_bytes = 8;
/// Longest input read from a file (CANOPY_FUZZ_INPUT, read_input_file).
inline constexpr std::size_t max_fuzz_input_bytes = std::size_t{1} << 20;

/// The options that run `input` as a fuzz input, from `base`: its what-if
/// kinds and per-mille, slow_ms, jitter, network settings and budgets are
/// kept; the seed, the strategy (replay), the decisions, the slow steps and
/// any injection plan come from the input.
options input_options(const options& base, std::span<const std::uint8_t> input);

/// Reads a fuzz input file of at most max_fuzz_input_bytes; nothing, with
/// `error` saying why, when it cannot be read or is longer.
std::optional<std::vector<std::uint8_t>> read_input_file(const std::string& path, std::string& error);

/// Runs `body` once with its choices from `input`; `outcome::replay` is the
/// ordinary line that repeats the run.
template <class F>
outcome run_input(const options& base, std::span<const std::uint8_t> input, F&& body) {
  return run(input_options(base, input), body);
}

/// libFuzzer's side of a test body: runs it once on `input`; on a failure,
/// prints the report and the replay line on stderr and aborts, which the
/// fuzzer records as a crash with the input that caused it.
void fuzz_one_erased(std::span<const std::uint8_t> input, void (*body)(void*), void* context);
template <class F>
int fuzz_one(const std::uint8_t* data, std::size_t size, F&& body) {
  detail::body_ref<std::remove_reference_t<F>> r{body};
  fuzz_one_erased({data, size}, r.call, &r);
  return 0;
}

}  // namespace canopy::sim

/// Defines libFuzzer's entry point for a test body (a function or a lambda
/// with no captures that needs no arguments): every input is one simulated
/// run of it, failures are crashes. The same body runs under
/// canopy::sim::check in an ordinary test.
#define CANOPY_FUZZ_TARGET(body)                                                          \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    return ::canopy::sim::fuzz_one(data, size, body);                                    \
  }
