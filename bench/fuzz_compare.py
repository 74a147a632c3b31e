#!/usr/bin/env python3
"""Executions and CPU-seconds to find each latent bug: blind seeds (random,
pct) against coverage-guided fuzzing (AFL++ on the unmodified C program,
libFuzzer on the C++ test body), for the planted bugs of
tests/sim/programs/latent.c (and their C++ twins tests/sim/fuzz/latent_*.hpp):
`order` (workers must finish longest first) and `pattern` (two movers must
follow a fixed pattern of moves), each at several sizes.

Usage: python3 bench/fuzz_compare.py BUILD_DIR [BUG:DEPTH,...] [--trials N]
  (default: order:3,order:6,order:8,pattern:3,pattern:5,pattern:7)
Prints a Markdown table (docs/fuzzing.md has one). CPU-seconds are user+sys
of everything the measurement ran (the fuzzer and its target processes)."""
import os
import re
import resource
import subprocess
import sys
import tempfile

build = os.path.abspath(sys.argv[1])
cases = [(c.split(":")[0], int(c.split(":")[1])) for c in
         (sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("-")
          else "order:3,order:6,order:8,pattern:3,pattern:5,pattern:7").split(",")]
trials = int(sys.argv[sys.argv.index("--trials") + 1]) if "--trials" in sys.argv else 3
src = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
latent = f"{build}/tests/sim/canopy_sim_program_latent"
canopy = f"{build}/cli/canopy"
MAX_SEEDS = 20000


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def seeds(bug, depth, strategy, first):
    """Seeds tried (from `first`) until the program aborts, and CPU-seconds."""
    env = dict(os.environ, LATENT_BUG=bug, LATENT_DEPTH=str(depth), CANOPY_STRATEGY=strategy,
               CANOPY_PCT_DEPTH=str(depth), CANOPY_PCT_STEPS=str(8 * depth + 8))
    env.pop("CANOPY_FUZZ_INPUT", None)
    start = cpu()
    for n in range(1, MAX_SEEDS + 1):
        env["CANOPY_SEED"] = str(first + n)
        if subprocess.run([latent], env=env, capture_output=True).returncode == -6:
            return n, cpu() - start
    return None, cpu() - start


def afl(bug, depth, trial):
    with tempfile.TemporaryDirectory(prefix="canopy-afl-bench-") as work:
        env = dict(os.environ, LATENT_BUG=bug, LATENT_DEPTH=str(depth), CANOPY_CLI=canopy)
        start = cpu()
        p = subprocess.run(["bash", f"{src}/examples/fuzzing/afl.sh", f"{src}/tests/sim/programs/latent.c", "150",
                            work, build], env=env, capture_output=True, text=True)
        spent = cpu() - start
        if p.returncode != 0:
            return None, spent
        # The execution that crashed, from the crash's file name.
        m = re.search(r"execs:(\d+)", p.stderr)
        return (int(m.group(1)) if m else None), spent


fuzz_binaries = {}


def libfuzzer(bug, depth, trial):
    if (bug, depth) not in fuzz_binaries:
        out = tempfile.mkdtemp(prefix="canopy-libfuzzer-bench-")
        subprocess.run(["clang++-16", "-std=c++20", "-O1", "-g", "-fsanitize=fuzzer", f"-DLATENT_DEPTH={depth}",
                        f"-I{src}/core/include", f"-I{src}/sim/include", f"{src}/tests/sim/fuzz/latent_{bug}_fuzz.cpp",
                        f"{build}/libcanopy.a", "-lpthread", "-ldl", "-o", f"{out}/fuzz"], check=True)
        fuzz_binaries[(bug, depth)] = out
    out = fuzz_binaries[(bug, depth)]
    start = cpu()
    p = subprocess.run([f"{out}/fuzz", f"-seed={trial + 1}", "-runs=50000000", "-max_len=256", "-print_final_stats=1",
                        f"-artifact_prefix={out}/"], capture_output=True, text=True)
    spent = cpu() - start
    m = re.search(r"stat::number_of_executed_units: (\d+)", p.stderr)
    return (int(m.group(1)) if m and p.returncode != 0 else None), spent


def median(values):
    found = sorted(v for v in values if v is not None)
    return found[len(found) // 2] if len(found) == len(values) else None


def cell(results):
    execs = median([e for e, _ in results])
    seconds = sorted(s for _, s in results)[len(results) // 2]
    return "not found" if execs is None else f"{execs:,} / {seconds:.2f} s"


print("| bug | random seeds | pct seeds | AFL++ (C program) | libFuzzer (C++ body) |")
print("|---|---|---|---|---|")
for bug, d in cases:
    row = [cell([seeds(bug, d, "random", 100000 * t) for t in range(trials)]),
           cell([seeds(bug, d, "pct", 100000 * t) for t in range(trials)]),
           cell([afl(bug, d, t) for t in range(trials)]),
           cell([libfuzzer(bug, d, t) for t in range(trials)])]
    print(f"| {bug} {d} | " + " | ".join(row) + " |", flush=True)
