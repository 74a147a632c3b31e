#!/usr/bin/env python3
"""The network benchmark's server, counted per echoed message: its socket and
epoll system calls and the events epoll reported (perf trace points), its CPU
time (perf cpu-clock samples: user and kernel, which wall clock on a shared
machine cannot give), and with --callgrind its instructions in user space.

Each figure is the difference between two runs of RUNS1 and RUNS2 iterations
(CANOPY_BENCH_NET_ROUNDS), divided by the messages in between, so that setting
up the connections drops out. The server is the benchmark's child process.

usage: net_counts.py BUILD_DIR [--connections N] [--rounds R1 R2] [--callgrind]
       [--runtimes canopy libdill]
"""
import argparse
import collections
import glob
import os
import subprocess
import sys
import tempfile

SYSCALLS = ["recvfrom", "recvmsg", "sendto", "sendmsg", "epoll_wait", "epoll_pwait2",
            "epoll_ctl", "fcntl"]
SAMPLE_NS = 50_000  # one cpu-clock sample per 50 us of CPU


def bench(build, runtime):
    return os.path.join(build, "bench", f"bench_net_{runtime}")


def run_env(rounds):
    return dict(os.environ, CANOPY_BENCH_NET_ROUNDS=str(rounds))


def perf_counts(binary, flt, rounds, tmp):
    """Per process of the run: system calls by name, 'events' (what the epoll
    calls returned) and 'cpu_ns'. Returns the server's (the largest pid)."""
    data = os.path.join(tmp, "perf.data")
    events = ",".join([f"syscalls:sys_enter_{s}" for s in SYSCALLS] +
                      ["syscalls:sys_exit_epoll_wait", "syscalls:sys_exit_epoll_pwait2"])
    subprocess.run(["perf", "record", "-q", "-o", data, "-e", events, "-e", "cpu-clock",
                    "-c", str(SAMPLE_NS), "--", binary, f"--benchmark_filter={flt}"],
                   env=run_env(rounds), check=True, capture_output=True)
    out = subprocess.run(["perf", "script", "-i", data, "-F", "pid,event,trace"],
                         check=True, capture_output=True, text=True).stdout
    counts = collections.defaultdict(collections.Counter)
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        pid, event = int(fields[0]), fields[1].rstrip(":")
        if event == "cpu-clock":
            counts[pid]["cpu_ns"] += SAMPLE_NS
        elif event.startswith("syscalls:sys_exit_"):
            value = int(fields[-1], 16)
            if value < 1 << 32:  # not an error
                counts[pid]["events"] += value
        elif event.startswith("syscalls:sys_enter_"):
            counts[pid][event[len("syscalls:sys_enter_"):]] += 1
    return counts[max(counts)]


def callgrind_instructions(binary, flt, rounds, tmp):
    """The server's instructions (the process of the run that executed most)."""
    for f in glob.glob(os.path.join(tmp, "cg.*")):
        os.remove(f)
    subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                    f"--callgrind-out-file={tmp}/cg.%p", binary, f"--benchmark_filter={flt}"],
                   env=run_env(rounds), check=True, capture_output=True)
    totals = []
    for f in glob.glob(os.path.join(tmp, "cg.*")):
        for line in open(f):
            if line.startswith("summary:"):
                totals.append(int(line.split()[1]))
    return max(totals)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build")
    p.add_argument("--connections", type=int, default=1000)
    p.add_argument("--rounds", type=int, nargs=2, default=[20, 40])
    p.add_argument("--callgrind", action="store_true")
    p.add_argument("--runtimes", nargs="+", default=["canopy", "libdill"])
    a = p.parse_args()
    r1, r2 = a.rounds
    messages = (r2 - r1) * a.connections
    print(f"| server | {' | '.join(SYSCALLS)} | epoll events | CPU us"
          f"{' | instructions' if a.callgrind else ''} |")
    print("|---|" + "---:|" * (len(SYSCALLS) + 2 + a.callgrind))
    for runtime in a.runtimes:
        binary = bench(a.build, runtime)
        if not os.path.exists(binary):
            print(f"{binary}: not built", file=sys.stderr)
            continue
        flt = f"echo/{runtime}/{a.connections}/"
        with tempfile.TemporaryDirectory() as tmp:
            c1, c2 = perf_counts(binary, flt, r1, tmp), perf_counts(binary, flt, r2, tmp)
            row = [(c2[s] - c1[s]) / messages for s in SYSCALLS]
            row.append((c2["events"] - c1["events"]) / messages)
            row.append((c2["cpu_ns"] - c1["cpu_ns"]) / messages / 1000)
            cells = [f"{v:.3f}" for v in row[:-1]] + [f"{row[-1]:.1f}"]
            if a.callgrind:
                i1 = callgrind_instructions(binary, flt, r1, tmp)
                i2 = callgrind_instructions(binary, flt, r2, tmp)
                cells.append(f"{(i2 - i1) / messages:,.0f}")
        print(f"| {runtime} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
