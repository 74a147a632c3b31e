#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script for a program's Canopy fuzz
# targets. Copy this folder to .clusterfuzzlite/ in the program's repository
# (OSS-Fuzz: projects/<name>/). The builder image sets CC, CXX, CFLAGS,
# CXXFLAGS (the sanitizer's flags), LIB_FUZZING_ENGINE, SRC and OUT.
#
# Every *_fuzz.cpp under FUZZ_TARGETS_DIR (a body and CANOPY_FUZZ_TARGET,
# see docs/fuzzing.md) becomes $OUT/<name>; its seed corpus, if a folder
# <name>_corpus sits next to it, becomes $OUT/<name>_seed_corpus.zip.
#
# CANOPY_SOURCE: Canopy's source (default: $SRC/canopy). CANOPY_BUILD_DIR: a
# Canopy build to link instead of building one (its libcanopy.a).
canopy=${CANOPY_SOURCE:-$SRC/canopy}
targets=${FUZZ_TARGETS_DIR:-$canopy/tests/sim/fuzz}

if [[ -z "${CANOPY_BUILD_DIR:-}" ]]; then
  # The runtime, built with the sanitizer's flags (not the fuzzer's: only
  # the program's code needs coverage).
  CANOPY_BUILD_DIR=$WORK/canopy-build
  cmake -S "$canopy" -B "$CANOPY_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCANOPY_BUILD_TESTS=OFF
  cmake --build "$CANOPY_BUILD_DIR" --target canopy_static
fi

found=0
for source in "$targets"/*_fuzz.cpp; do
  [[ -e "$source" ]] || continue
  name=$(basename "$source" .cpp)
  # shellcheck disable=SC2086  # the flags are lists
  $CXX $CXXFLAGS -std=c++20 -I "$canopy/core/include" -I "$canopy/sim/include" -I "$(dirname "$source")" \
    "$source" -o "$OUT/$name" $LIB_FUZZING_ENGINE "$CANOPY_BUILD_DIR/libcanopy.a" -lpthread -ldl
  if [[ -d "$(dirname "$source")/${name}_corpus" ]]; then
    (cd "$(dirname "$source")/${name}_corpus" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
  found=$((found + 1))
done
[[ $found -gt 0 ]] || { echo "build.sh: no *_fuzz.cpp in $targets" >&2; exit 1; }
echo "build.sh: $found fuzz target(s) in $OUT"
