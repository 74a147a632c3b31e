#!/usr/bin/env bash
# A sweep run as a Slurm job array on this machine gives the unsharded
# sweep's merged report. Starts a private munged, slurmctld and slurmd (no
# systemd; their own configuration, ports, state and sockets in a temporary
# folder), submits examples/sweep/slurm-array.sh as an array of 3 tasks,
# waits, merges and compares; stops the daemons it started, whatever happens.
# Usage: slurm_test.sh SOURCE_DIR CANOPY   (as root, Debian's slurm-wlm and munge)
set -euo pipefail
src=$1
canopy=$2
dir=$(mktemp -d /tmp/canopy-slurm-test-XXXXXX)
chmod 755 "$dir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "slurm_test: $*" >&2
  for log in "$dir"/*.log; do [[ -f "$log" ]] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }; done
  exit 1
}

# Ports nobody listens on (slurmctld's and slurmd's).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
host=$(hostname -s)
cpus=$(nproc)

# munge: a key and a socket of our own.
mkdir -p "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$dir/munge"
chmod 400 "$dir/munge/munge.key"
munged --force --foreground --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed" &
pids+=($!)
for _ in $(seq 100); do [[ -S "$dir/munge/munge.socket" ]] && break; sleep 0.1; done
[[ -S "$dir/munge/munge.socket" ]] || fail "munged did not start"

mkdir -p "$dir/state" "$dir/spool" "$dir/results"
cat > "$dir/slurm.conf" <<CONF
ClusterName=canopytest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=canopy Nodes=$host Default=YES MaxTime=10 State=UP
CONF
export SLURM_CONF=$dir/slurm.conf

slurmctld -D -i -f "$SLURM_CONF" > "$dir/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$dir/slurmd.out.log" 2>&1 &
pids+=($!)

# Wait (bounded) for the node to be idle.
for _ in $(seq 120); do
  state=$(timeout 5 sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true)
  [[ "$state" == idle* ]] && break
  sleep 0.5
done
[[ "${state:-}" == idle* ]] || fail "the node did not become idle (state '${state:-none}')"

# The array: 3 tasks, each a shard of the sweep; --wait returns when all are done.
cd "$dir"
timeout 240 sbatch --wait --array=0-2 --output="$dir/task-%a.log" \
  "$src/examples/sweep/slurm-array.sh" "$dir/results" "$canopy" all --seeds 1..40 --strategy auto \
  > "$dir/sbatch.log" 2>&1 || fail "sbatch --wait failed: $(cat "$dir/sbatch.log")"
ls "$dir/results"

python3 "$src/tests/sim/fuzz/sweep_engines_test.py" "$canopy" "$src" results "$dir/results"
echo "slurm_test: the job array's merged report equals the unsharded sweep's"
