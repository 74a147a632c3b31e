#!/usr/bin/env bash
# libFuzzer fuzzes a test body through CANOPY_FUZZ_TARGET and finds its
# latent bug; the crash's replay line repeats it, and the same body under
# canopy::sim::check (an ordinary test) fails the same way from that line.
# The target is built by examples/fuzzing/clusterfuzzlite/build.sh.
# Usage: libfuzzer_test.sh SOURCE_DIR BUILD_DIR CLANGXX SIM_TESTS
set -euo pipefail
src=$1
build=$2
clangxx=$3
sim_tests=$4
work=$(mktemp -d /tmp/canopy-libfuzzer-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Built by the ClusterFuzzLite / OSS-Fuzz build script, as the builder image
# would run it (with this build's runtime instead of building one).
mkdir out
CC=${clangxx/++/} CXX="$clangxx" CFLAGS="-O1 -g" CXXFLAGS="-O1 -g" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
  SRC="$src/.." WORK="$work" OUT="$work/out" CANOPY_SOURCE="$src" CANOPY_BUILD_DIR="$build" \
  bash "$src/examples/fuzzing/clusterfuzzlite/build.sh"
cp out/latent_order_fuzz .

status=0
./latent_order_fuzz -runs=200000 -seed=1 -max_len=256 > fuzz.log 2>&1 || status=$?
crash=$(ls crash-* 2>/dev/null | head -n 1 || true)
if [[ $status -eq 0 || -z "$crash" ]]; then
  tail -n 20 fuzz.log >&2
  echo "libfuzzer_test: no crash in 200000 runs" >&2
  exit 1
fi
grep -q "canopy: body-failed: the workers finished longest first" fuzz.log
line=$(sed -n "s/^canopy: repeat it with CANOPY_REPLAY='\(v1:[^']*\)'.*/\1/p" fuzz.log | head -n 1)
echo "replay line: $line"
[[ "$line" == v1:seed=*";strategy=replay;"* ]]

# The crash input alone gives the same line again.
./latent_order_fuzz "$crash" > again.log 2>&1 || true
grep -qF "CANOPY_REPLAY='$line'" again.log

# The ordinary test of the same body, told the line, runs exactly it: it
# expects the failure and checks its report.
CANOPY_REPLAY="$line" "$sim_tests" "the body the libFuzzer target fuzzes fails under canopy::sim::check too" > check.log 2>&1 || {
  cat check.log >&2
  echo "libfuzzer_test: the line did not fail the body under check" >&2
  exit 1
}
echo "libfuzzer_test: found by libFuzzer, repeated from its line, and by check"
