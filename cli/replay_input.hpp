// canopy replay --from-input FILE (SCENARIO | -- PROGRAM [ARGS...]): the
// ordinary replay line of a fuzz input's run (canopy/sim/fuzz.hpp), printed
// on stdout for CANOPY_REPLAY or `canopy replay`.
#pragma once

namespace canopy::cli {

/// `argv[0]` is "--from-input". Runs the scenario in this process, or the
/// program as a child with CANOPY_FUZZ_INPUT=FILE (its own output goes to
/// stderr), and prints the run's `v1:` line. Exit 0 when the line was
/// printed (whether the run failed or not: stderr says which), 2 on bad
/// arguments or when no line came back.
int replay_from_input(int argc, char** argv);

}  // namespace canopy::cli
