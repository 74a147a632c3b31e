#!/usr/bin/env python3
"""Executions and CPU-seconds to find each latent bug: blind seeds (random,
pct) against coverage-guided fuzzing (AFL++ on the unmodified C program,
libFuzzer on the C++ test body), for the planted ordering bug at depths 2..5
(tests/sim/programs/latent.c, tests/sim/fuzz/latent_order.hpp).

Usage: python3 bench/fuzz_compare.py BUILD_DIR [DEPTHS] [--trials N]
Prints a Markdown table (docs/fuzzing.md has one). CPU-seconds are user+sys
of everything the measurement ran (the fuzzer and its target processes)."""
import os
import re
import resource
import subprocess
import sys
import tempfile

build = os.path.abspath(sys.argv[1])
depths = [int(d) for d in (sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("-") else "2,3,4,5").split(",")]
trials = int(sys.argv[sys.argv.index("--trials") + 1]) if "--trials" in sys.argv else 3
src = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
latent = f"{build}/tests/sim/canopy_sim_program_latent"
canopy = f"{build}/cli/canopy"
MAX_SEEDS = 20000


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def seeds(depth, strategy, first):
    """Seeds tried (from `first`) until the program aborts, and CPU-seconds."""
    env = dict(os.environ, LATENT_DEPTH=str(depth), CANOPY_STRATEGY=strategy, CANOPY_PCT_DEPTH=str(depth))
    env.pop("CANOPY_FUZZ_INPUT", None)
    start = cpu()
    for n in range(1, MAX_SEEDS + 1):
        env["CANOPY_SEED"] = str(first + n)
        if subprocess.run([latent], env=env, capture_output=True).returncode == -6:
            return n, cpu() - start
    return None, cpu() - start


def afl(depth, trial):
    with tempfile.TemporaryDirectory(prefix="canopy-afl-bench-") as work:
        env = dict(os.environ, LATENT_DEPTH=str(depth), CANOPY_CLI=canopy)
        start = cpu()
        p = subprocess.run(["bash", f"{src}/examples/fuzzing/afl.sh", f"{src}/tests/sim/programs/latent.c", "300",
                            work, build], env=env, capture_output=True, text=True)
        spent = cpu() - start
        if p.returncode != 0:
            return None, spent
        # The execution that crashed, from the crash's file name.
        m = re.search(r"execs:(\d+)", p.stderr)
        return (int(m.group(1)) if m else None), spent


fuzz_binaries = {}


def libfuzzer(depth, trial):
    if depth not in fuzz_binaries:
        out = tempfile.mkdtemp(prefix="canopy-libfuzzer-bench-")
        subprocess.run(["clang++-16", "-std=c++20", "-O1", "-g", "-fsanitize=fuzzer", f"-DLATENT_DEPTH={depth}",
                        f"-I{src}/core/include", f"-I{src}/sim/include", f"{src}/tests/sim/fuzz/latent_order_fuzz.cpp",
                        f"{build}/libcanopy.a", "-lpthread", "-ldl", "-o", f"{out}/fuzz"], check=True)
        fuzz_binaries[depth] = out
    out = fuzz_binaries[depth]
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


print(f"| depth | random seeds | pct seeds | AFL++ (C program) | libFuzzer (C++ body) |")
print(f"|---|---|---|---|---|")
for d in depths:
    row = [cell([seeds(d, "random", 1000 * t) for t in range(trials)]),
           cell([seeds(d, "pct", 1000 * t) for t in range(trials)]),
           cell([afl(d, t) for t in range(trials)]),
           cell([libfuzzer(d, t) for t in range(trials)])]
    print(f"| {d} | " + " | ".join(row) + " |", flush=True)
