#!/usr/bin/env bash
# Fuzzes an unmodified C program's schedules with AFL++ through Canopy, and
# turns the first crash into a replay line.
#
# Usage: bash examples/fuzzing/afl.sh PROGRAM.c SECONDS WORKDIR [BUILD_DIR]
#   PROGRAM.c  a libdill program (any Canopy program); its own code is
#              instrumented with afl-cc, the runtime (libcanopy.a) is not
#   SECONDS    at most this long in afl-fuzz (it stops at the first crash)
#   WORKDIR    gets the instrumented binary, the corpus and afl-fuzz's output
#   BUILD_DIR  a Canopy build folder (default: build); CANOPY_CLI names the
#              canopy program when it is not BUILD_DIR/cli/canopy
# Prints the crash's replay line (v1:...) on the last line of stdout; exit 0
# when a crash was found and converted, 1 when none was found in time.
#
# What it does, by hand:
#   afl-cc -I core/include prog.c build/libcanopy.a -lstdc++ -lpthread -ldl -o prog
#   CANOPY_FUZZ_INPUT=@1 afl-fuzz -i seeds -o out -- ./prog @@
#   canopy replay --from-input out/default/crashes/id:000000* -- ./prog
set -euo pipefail
source_file=$1
seconds=$2
work=$3
build=${4:-build}
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
name=$(basename "${source_file%.*}")

# The program: its code instrumented for coverage, linked with the runtime.
AFL_QUIET=1 afl-cc -O1 -g -UNDEBUG -I "$repo/core/include" "$source_file" "$build/libcanopy.a" \
  -lstdc++ -lpthread -ldl -o "$work/$name"

# One seed input: 8 bytes of seed, then choices that all say "the oldest
# ready coroutine" (the real runtime's order, which passes).
rm -rf "$work/seeds" "$work/out"
mkdir -p "$work/seeds"
head -c 24 /dev/zero > "$work/seeds/fifo"

# The runtime's failures (deadlock, leaks, a broken structure...) and the
# program's own assertions die of SIGABRT under a fuzz input: crashes.
# The other variables make afl-fuzz run unattended on a shared machine.
CANOPY_FUZZ_INPUT=@1 AFL_NO_UI=1 AFL_BENCH_UNTIL_CRASH=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1 AFL_SKIP_CRASHES=1 \
  timeout --kill-after=10 $((seconds + 30)) \
  afl-fuzz -i "$work/seeds" -o "$work/out" -V "$seconds" -- "$work/$name" @@ > "$work/afl.log" 2>&1 || true

crash=$(find "$work/out/default/crashes" -name 'id:*' 2>/dev/null | sort | head -n 1)
if [[ -z "$crash" ]]; then
  echo "afl.sh: no crash in $seconds s (afl-fuzz's log: $work/afl.log)" >&2
  exit 1
fi
grep -E 'execs_done|execs_per_sec|run_time' "$work/out/default/fuzzer_stats" >&2 || true
echo "afl.sh: crash $crash" >&2
"${CANOPY_CLI:-$build/cli/canopy}" replay --from-input "$crash" -- "$work/$name"
