#!/usr/bin/env python3
"""Seeded runs per CPU-second of every scenario under the simulator.

    python3 bench/sweep_rates.py CANOPY [CANOPY_2 ...] [--rounds R] [--callgrind]

Each scenario is swept (`canopy sweep SCENARIO --seeds 1..N --jobs 1`) with N
chosen for about half a second of CPU; the binaries are alternated, R rounds
(default 3), and the best CPU time (user + sys, the sweep and its worker) is
kept, since other load only adds time. With --callgrind, also the
instructions per run of the sweep's worker (valgrind --tool=callgrind, which
do not depend on load; they include the worker's start, spread over N).
Prints a Markdown table, a column per binary.
"""
import argparse
import os
import re
import resource
import subprocess
import tempfile


def cpu_seconds(binary, scenario, runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binary, "sweep", scenario, "--seeds", f"1..{runs}", "--jobs", "1"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions_per_run(binary, scenario, runs):
    with tempfile.TemporaryDirectory() as scratch:
        log = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                              f"--callgrind-out-file={os.path.join(scratch, 'cg.%p')}",
                              binary, "sweep", scenario, "--seeds", f"1..{runs}", "--jobs", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False).stderr
    # The worker, which ran the scenarios, is the process with the most instructions.
    counts = [int(m.replace(",", "")) for m in re.findall(r"I\s+refs:\s+([\d,]+)", log)]
    return max(counts) // runs if counts else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binaries", nargs="+", help="canopy executables")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--callgrind", action="store_true")
    args = parser.parse_args()
    first = args.binaries[0]
    scenarios = [line.split()[0] for line in
                 subprocess.run([first, "list"], capture_output=True, text=True, check=True).stdout.splitlines()]
    header = "| scenario | runs |" + "".join(f" runs/s ({i + 1}) |" for i in range(len(args.binaries)))
    if args.callgrind:
        header += "".join(f" instructions/run ({i + 1}) |" for i in range(len(args.binaries)))
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for scenario in scenarios:
        per_run = max(cpu_seconds(first, scenario, 50), 0.002) / 50
        runs = max(50, min(200_000, int(0.5 / per_run)))
        best = [float("inf")] * len(args.binaries)
        for _ in range(args.rounds):
            for i, binary in enumerate(args.binaries):
                best[i] = min(best[i], cpu_seconds(binary, scenario, runs))
        row = f"| {scenario} | {runs:,} |" + "".join(f" {runs / max(t, 1e-3):,.0f} |" for t in best)
        if args.callgrind:
            small = max(10, min(300, runs // 20))  # callgrind is ~50 times slower
            row += "".join(f" {instructions_per_run(b, scenario, small):,} |" for b in args.binaries)
        print(row, flush=True)


if __name__ == "__main__":
    main()
