// The input-backed decision source: under a fuzz input (canopy/sim/fuzz.hpp,
// CANOPY_FUZZ_INPUT) the choices a replay line records are read from the
// input's bytes, in the order the run makes them, instead of from the seed.
//
// The seam, for every kind of choice: a choice that the replay line records
// (today: which ready coroutine runs, which steps are slow, which blocking
// call fails by a what-if injection) asks `Simulation::fuzz.active()`; when true it takes its value
// from `fuzz.below(n)` and records it as usual, so that the ordinary line
// repeats the run. A choice the line does not record draws from its seeded
// Rng stream (rng.hpp), and under a fuzz input that seed is itself the first
// 8 bytes of the input: every choice of the run comes from the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "canopy/sim/options.hpp"

namespace canopy::sim::detail {

class Simulation;

class InputChoices {
 public:
  /// Reads `bytes` (which must outlive this: the run's own options); inactive
  /// when it holds nothing (an ordinary seeded run).
  explicit InputChoices(const std::optional<std::vector<std::uint8_t>>& bytes)
      : bytes_(bytes ? &*bytes : nullptr) {}

  /// True when this run's recorded choices come from a fuzz input.
  bool active() const { return bytes_ != nullptr; }
  /// A choice in [0, n) for n >= 1, from as few next bytes as can name n
  /// values (one byte up to 256), taken modulo n; 0 once the bytes run out,
  /// which is what a replay does past the end of its list.
  std::uint64_t below(std::uint64_t n);
  /// The injection at one blocking call: one byte, which injects when it is
  /// below per_mille/1000 of 256; its low bit picks ETIMEDOUT over ECANCELED
  /// when both may happen. 0 (no injection) when neither may happen or the
  /// bytes have run out.
  int injection(int per_mille, bool may_cancel, bool may_time_out);
  /// Bytes read so far.
  std::size_t consumed() const { return next_; }

 private:
  /// The choice bytes (the input after its seed); null when inactive.
  const std::vector<std::uint8_t>* bytes_ = nullptr;
  std::size_t next_ = 0;
};

/// Whole programs: the options CANOPY_FUZZ_INPUT=`spec` asks for, from `base`
/// (the other CANOPY_* settings). `spec` is a path, or `@N`: the path is the
/// program's argument N (afl-fuzz replaces `@@` in the command by the
/// input's path). Sets `error` to a sentence when the input cannot be read.
options whole_program_input(const options& base, const char* spec, std::string& error);

/// A whole program under a fuzz input ends (a failure, a leak, an exit, an
/// abort): writes the run's replay line (v1:...) to the file CANOPY_FUZZ_LINE
/// names, when set, so that `canopy replay --from-input` can print it.
void write_fuzz_line(const Simulation& sim);

/// A whole program under a fuzz input has failed and said so: ends it with
/// SIGABRT, which fuzzers record as a crash (an exit status they ignore).
[[noreturn]] void abort_for_fuzzer();

}  // namespace canopy::sim::detail
