#!/bin/bash
# A sweep as a Slurm job array: task i sweeps shard i+1 of the array's size
# (canopy sweep --shard auto reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN
# and SLURM_ARRAY_TASK_COUNT) and writes its reports to RESULTS. Then merge:
#
#   job=$(sbatch --parsable --array=0-3 examples/sweep/slurm-array.sh results canopy all --seeds 1..2000 --strategy auto)
#   sbatch --dependency=afterany:$job --wrap "canopy sweep merge --json results/sweep.json \
#          --junit results/sweep.xml results/shard-*.json results/shard-*.xml"
#
# Usage: slurm-array.sh RESULTS CANOPY SWEEP-ARGUMENTS...
# (tests/sim/fuzz/slurm_test.sh runs it on a single-node Slurm.)
#SBATCH --job-name=canopy-sweep
#SBATCH --array=0-3
#SBATCH --ntasks=1
#SBATCH --output=canopy-sweep-%A_%a.log
set -eu
results=$1
canopy=$2
shift 2
mkdir -p "$results"
# Exit 1 means "failures found": they are in the report, the task succeeded.
"$canopy" sweep "$@" --shard auto --json "$results/shard-$SLURM_ARRAY_TASK_ID.json" \
  --junit "$results/shard-$SLURM_ARRAY_TASK_ID.xml" || test $? -eq 1
