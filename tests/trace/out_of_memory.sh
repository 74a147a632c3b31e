#!/usr/bin/env bash
# Usage: out_of_memory.sh CANOPY ENDS_PROGRAM WORK_DIR
# A trace too big for the memory the tools may use: export must end with one
# line and exit status 2, not abort, and leave no output file behind.
set -euo pipefail
canopy=$1
program=$2
work=$3
mkdir -p "$work"
trace="$work/big.trace"
# About 1.6 million events (150 MB): the model and its export need far more
# than the limit below, the reading itself much less.
env -u CANOPY_SEED CANOPY_TRACE="$trace" "$program" exit0 200000
set +e
output=$( (ulimit -v 900000; exec "$canopy" export "$trace" -o "$work/big.json") 2>&1 )
status=$?
set -e
rm -f "$trace"
echo "$output"
[[ $status -eq 2 ]] || { echo "exit status $status, not 2"; exit 1; }
[[ $(printf '%s\n' "$output" | wc -l) -eq 1 ]] || { echo "more than one line"; exit 1; }
[[ $output == "canopy: out of memory (the trace is too large to hold here)" ]] || exit 1
[[ ! -e "$work/big.json" ]] || { echo "a partial output file was left"; exit 1; }
ls -A "$work" | grep -q . && { echo "temporary files were left: $(ls -A "$work")"; exit 1; }
exit 0
