#!/usr/bin/env bash
# afl-fuzz finds the latent program's bug through Canopy within a bounded
# time, and the crash converts to a replay line that reproduces it.
# Usage: afl_test.sh SOURCE_DIR BUILD_DIR CANOPY_CLI LATENT_PROGRAM
set -euo pipefail
src=$1
build=$2
cli=$3
latent=$4
work=$(mktemp -d /tmp/canopy-afl-test-XXXXXX)
trap 'rm -rf "$work"' EXIT

line=$(CANOPY_CLI="$cli" bash "$src/examples/fuzzing/afl.sh" "$src/tests/sim/programs/latent.c" 60 "$work" "$build" 2>"$work/log" | tail -n 1) || {
  cat "$work/log" >&2
  echo "afl_test: afl-fuzz found no crash in 60 s" >&2
  exit 1
}
echo "replay line: $line"
[[ "$line" == v1:seed=*";strategy=replay;decisions="* ]] || { echo "afl_test: not a replay line: $line" >&2; exit 1; }

# The line repeats the crash in the ordinary build of the program.
status=0
out=$(env -u CANOPY_FUZZ_INPUT CANOPY_REPLAY="$line" "$latent" 2>&1) || status=$?
echo "$out"
[[ $status -eq 134 ]] || { echo "afl_test: the replay exited $status, not SIGABRT (134)" >&2; exit 1; }
grep -q "stage 3 of 3" <<<"$out" || { echo "afl_test: the replay did not reach the bug" >&2; exit 1; }
echo "afl_test: found by afl-fuzz and reproduced from its line"
