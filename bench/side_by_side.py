#!/usr/bin/env python3
"""Runs the side-by-side benchmark and prints Canopy/libdill ratios.

    python3 bench/side_by_side.py BUILD_DIR [--rounds 5] [--cpu 1] [--callgrind]

BUILD_DIR is a build configured with -DCANOPY_BUILD_BENCH=ON (and, for the
libdill column, -DCANOPY_LIBDILL_DIR=...). Each round runs bench_dill_canopy,
bench_dill_libdill and bench_core's C++ API benchmarks once each, in an order
that alternates from round to round, pinned to one CPU (taskset) when
available, so that whatever else the machine does falls on all of them alike.
For every operation it prints the median CPU time per operation over the
rounds, the spread (min-max), and the ratio Canopy/libdill (below 1: Canopy
is faster) against the target: the median over the rounds of each round's
ratio, with its spread. Each round's two sides run seconds apart, so a
ratio of one round sees one load on both; a ratio of medians over the
rounds would pair times minutes apart, and moved twice as much between two
runs of the same binaries on a shared machine. --callgrind adds instructions per
operation, counted by valgrind at two operation counts and differenced, which
removes start-up and is repeatable whatever the load. Standard library only.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

# Operation -> (the target ratio Canopy/libdill, the bench_core benchmark of
# the C++ API measuring the same operation, or None).
OPERATIONS = {
    "switch": (0.5, "switch/canopy_cpp"),
    "go_hclose": (0.5, "go_hclose/canopy_cpp"),
    "channel": (0.5, "channel/canopy_cpp"),
    "choose1": (0.5, None),
    "choose2": (0.5, "choose/canopy_cpp"),
    "spawn_sleeping_20k": (0.2, None),
    "timers_1m": (0.5, None),
    "now": (0.5, None),
}
# Operation counts for the callgrind difference (small and large).
CALLGRIND_OPS = {"spawn_sleeping_20k": (20000, 40000), "timers_1m": (1000000, 2000000)}
DEFAULT_CALLGRIND_OPS = (100000, 200000)


def run_json(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):])


def pinned(command, cpu):
    if cpu is not None and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)] + command
    return command


def dill_samples(data):
    """{operation: ns per operation} from one bench_dill run."""
    result = {}
    for b in data["benchmarks"]:
        name = b["name"].split("/")[0]
        if "ns_per_op" in b and not b.get("error_occurred"):
            result[name] = b["ns_per_op"]
    return result


def cpp_samples(data):
    """{bench_core name: CPU ns per operation} from one bench_core run."""
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    return {b["name"]: b["cpu_time"] * scale[b.get("time_unit", "ns")]
            for b in data["benchmarks"] if not b.get("error_occurred")}


def instructions(program, operation, cpu):
    """Instructions per operation: callgrind at two counts, differenced."""
    small, large = CALLGRIND_OPS.get(operation, DEFAULT_CALLGRIND_OPS)
    totals = []
    for ops in (small, large):
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                pinned(["valgrind", "--tool=callgrind",
                        "--callgrind-out-file=" + os.path.join(tmp, "out"),
                        program, "--count", operation, str(ops)], cpu),
                capture_output=True, text=True)
        match = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
        if done.returncode != 0 or not match:
            return None
        totals.append(int(match.group(1)))
    return (totals[1] - totals[0]) / (large - small)


def round_ratios(ours, theirs):
    """Median (min-max) of the per-round ratios ours/theirs, or "-"."""
    if not ours or not theirs or len(ours) != len(theirs):
        return "-"
    ratios = [a / b for a, b in zip(ours, theirs)]
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def spread(values):
    return f"{min(values):.1f}-{max(values):.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=1, help="CPU to pin to (-1: none)")
    parser.add_argument("--min-time", default="0.2")
    parser.add_argument("--callgrind", action="store_true")
    args = parser.parse_args()
    cpu = None if args.cpu < 0 else args.cpu
    bench = os.path.join(args.build_dir, "bench")
    canopy = os.path.join(bench, "bench_dill_canopy")
    libdill = os.path.join(bench, "bench_dill_libdill")
    core = os.path.join(bench, "bench_core")
    if not os.path.exists(canopy):
        sys.exit(f"side_by_side: {canopy} is missing: configure with -DCANOPY_BUILD_BENCH=ON and build it")
    have_libdill = os.path.exists(libdill)
    have_core = os.path.exists(core)
    cpp_filter = "|".join(re.escape(n) for _, n in OPERATIONS.values() if n)

    samples = {"canopy": {}, "libdill": {}, "cpp": {}}
    for r in range(args.rounds):
        runs = [("canopy", canopy)] + ([("libdill", libdill)] if have_libdill else [])
        if have_core:
            runs.append(("cpp", core))
        if r % 2:
            runs.reverse()
        for who, program in runs:
            if who == "cpp":
                data = run_json(pinned([program, f"--benchmark_filter=^({cpp_filter})$",
                                        f"--benchmark_min_time={args.min_time}",
                                        "--benchmark_format=json"], cpu))
                by_name = cpp_samples(data)
                for op, (_, name) in OPERATIONS.items():
                    value = by_name.get(name) if name else None
                    if value is not None:
                        samples["cpp"].setdefault(op, []).append(value)
            else:
                data = run_json(pinned([program, f"--benchmark_min_time={args.min_time}",
                                        "--benchmark_format=json"], cpu))
                for op, value in dill_samples(data).items():
                    samples[who].setdefault(op, []).append(value)

    counts = {}
    if args.callgrind:
        for op in OPERATIONS:
            counts[op] = (instructions(canopy, op, cpu),
                          instructions(libdill, op, cpu) if have_libdill else None)

    print(f"CPU time per operation in ns: median (min-max) over {args.rounds} rounds; "
          "ratio = median (min-max) over the rounds of Canopy / libdill in that round")
    header = "| operation | Canopy C | Canopy C++ | libdill | C ratio | C++ ratio | target |"
    if args.callgrind:
        header += " instructions Canopy | instructions libdill |"
    print()
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for op, (target, _) in OPERATIONS.items():
        c = samples["canopy"].get(op)
        d = samples["libdill"].get(op)
        p = samples["cpp"].get(op)
        cell = lambda v: f"{statistics.median(v):.1f} ({spread(v)})" if v else "-"
        ratio = lambda v: round_ratios(v, d)
        row = f"| {op} | {cell(c)} | {cell(p)} | {cell(d)} | {ratio(c)} | {ratio(p)} | <= {target} |"
        if args.callgrind:
            ci, di = counts[op]
            row += f" {ci:.0f} |" if ci is not None else " - |"
            row += f" {di:.0f} |" if di is not None else " - |"
        print(row)


if __name__ == "__main__":
    main()
