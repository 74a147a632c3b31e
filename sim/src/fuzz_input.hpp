// Fuzz inputs in whole programs (CANOPY_FUZZ_INPUT): the options an input
// stands for, and how such a program ends. The input's bytes become the
// run's recorded choices through InputChoices (choices.hpp), the seam every
// seeded choice goes through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "canopy/sim/options.hpp"

namespace canopy::sim::detail {

class Simulation;

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
