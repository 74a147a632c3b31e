#!/usr/bin/env bash
# Usage: golden_diagrams.sh CANOPY GOLDEN_DIR WORK_DIR
# Runs every scenario under the simulator (fifo, seed 1), renders its
# lifetime diagram and compares it byte for byte with the golden SVG.
# CANOPY_UPDATE_GOLDEN=1 rewrites the golden files instead.
set -euo pipefail
canopy=$1
golden=$2
work=$3
mkdir -p "$work"
status=0
for name in $("$canopy" list | awk '{print $1}'); do
  "$canopy" run "$name" --seed 1 --strategy fifo --trace "$work/$name.trace" > /dev/null
  "$canopy" render "$work/$name.trace" -o "$work/$name.svg"
  if [[ "${CANOPY_UPDATE_GOLDEN:-}" == 1 ]]; then
    cp "$work/$name.svg" "$golden/$name.svg"
  elif ! cmp -s "$work/$name.svg" "$golden/$name.svg"; then
    echo "the diagram of $name differs from $golden/$name.svg (see $work/$name.svg)"
    status=1
  else
    echo "ok: $name"
  fi
done
exit $status
