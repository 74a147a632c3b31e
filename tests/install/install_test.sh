#!/usr/bin/env bash
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
# Installs Canopy from BUILD_DIR into a scratch prefix, then builds and runs
# against that copy only: the seed documents' C examples with
# `cc $(pkg-config --cflags --libs canopy)`, and a C++ program with
# find_package(canopy). Fails on the first step that does not work.
set -euo pipefail
build=$1
source=$2
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"

echo "installed: $(ls "$prefix/lib" | tr '\n' ' ')"
"$prefix/bin/canopy" --version

for example in "$source"/scenarios/seed_examples/*.c; do
  name=$(basename "$example" .c)
  # shellcheck disable=SC2046
  cc -std=gnu11 -O2 "$example" $(pkg-config --cflags --libs canopy) -o "$work/$name"
  # On the real runtime, as written.
  if ! timeout 60 "$work/$name" > "$work/$name.out" 2>&1; then
    echo "FAILED: $name"; cat "$work/$name.out"; exit 1
  fi
  # Under the simulator, unchanged, where its sleeps take no time. Two of
  # the documents' programs never close their channel: the simulator must
  # say so (a warning: the process's end releases it), and nothing else.
  # The simulator's hooks run on the coroutine's own stack and need more
  # than the stack-on-stack example's 1 KiB, so that one runs on the real
  # runtime only (docs/simulation.md).
  if [[ $name == 09_stack_on_stack ]]; then
    echo "ok: $name (real; 1 KiB is too small a stack for the simulator's hooks)"
  elif ! CANOPY_SEED=1 timeout 60 "$work/$name" > "$work/$name.sim" 2>&1; then
    echo "FAILED under the simulator: $name"; cat "$work/$name.sim"; exit 1
  elif grep -q chmake "$example" && ! grep -q 'hclose(ch\[' "$example"; then
    grep -q "canopy: warning: 2 handle(s) still open at exit" "$work/$name.sim" \
      || { echo "FAILED: the simulator did not name the channel $name never closes"; cat "$work/$name.sim"; exit 1; }
    echo "ok: $name (real and simulated; the simulator names the channel it never closes)"
  elif ! grep -q "still open at exit" "$work/$name.sim"; then
    echo "ok: $name (real and simulated)"
  else
    echo "FAILED under the simulator: $name"; cat "$work/$name.sim"; exit 1
  fi
done

# Peers (canopy/sim/peers.h), linked as docs/simulation.md says: an
# unchanged server and its clients, under the simulator and for real.
# shellcheck disable=SC2046
cc -std=gnu11 -O2 "$source/tests/sim/programs/greeter.c" "$source/tests/sim/programs/greeter_peers.c" \
  -Wl,--wrap=main -lcanopy_peers $(pkg-config --cflags --libs canopy) -o "$work/greeter"
CANOPY_SEED=3 timeout 60 "$work/greeter" > "$work/greeter.sim" 2>&1 && grep -q '^greeted 3 clients$' "$work/greeter.sim" \
  || { echo "FAILED: the greeter and its peers under the simulator"; cat "$work/greeter.sim"; exit 1; }
GREETER_PORT=25733 timeout 60 "$work/greeter" 25733 > "$work/greeter.real" 2>&1 && grep -q '^cy heard "hello, cy"$' "$work/greeter.real" \
  || { echo "FAILED: the greeter and its peers on the real runtime"; cat "$work/greeter.real"; exit 1; }
echo "ok: an unchanged server with its clients as peers (-lcanopy_peers), simulated and real"

cmake -S "$source/tests/install/cpp_consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release > "$work/consumer.log" || { cat "$work/consumer.log"; exit 1; }
cmake --build "$work/consumer" --verbose > "$work/consumer-build.log" || { cat "$work/consumer-build.log"; exit 1; }
"$work/consumer/consumer"
# What the target gave the consumer's compile line: C++20 and stack-clash
# protection (a frame larger than the guard region must not skip it).
for flag in '-std=[a-z+]*20' '-fstack-clash-protection'; do
  grep -q -e "$flag" "$work/consumer-build.log" || { echo "FAILED: canopy::canopy does not add $flag"; exit 1; }
done
echo "ok: C++ consumer via find_package(canopy), under the compiler's default standard"
pkg-config --cflags canopy | grep -q -e '-fstack-clash-protection' \
  || { echo "FAILED: pkg-config --cflags canopy lacks -fstack-clash-protection"; exit 1; }
echo "ok: pkg-config gives -fstack-clash-protection"
