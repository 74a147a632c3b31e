#!/usr/bin/env python3
"""Turns bench_core's JSON output into Markdown tables of ratios.

    bench_core --benchmark_repetitions=5 --benchmark_format=json > run.json
    python3 bench/compare.py run.json [more.json ...]

Several files (separate runs) are pooled. For each benchmark the median over
all repetitions is shown with the spread (min-max). Times are CPU time per
operation in ns (--real for wall time); spawn benchmarks use their
ns_per_coroutine counter. Ratios are Canopy / peer: below 1 means Canopy is
faster. Standard library only.
"""
import argparse
import json
import statistics
import sys

# libdill's figures as quoted in issue 2 (static build, this kind of machine),
# and the targets as a fraction of them.
LIBDILL_NS = {"switch": 20.0, "go_hclose": 55.0, "channel": 38.0, "choose": 42.0,
              "spawn_sleeping_100k": 21000.0}
TARGET_FRACTION = {"switch": 0.5, "go_hclose": 0.5, "channel": 0.5, "choose": 0.5,
                   "spawn_sleeping_100k": 0.2}
QUOTED_NS = {"boost_fcontext (quoted)": 5.6, "bare swap (quoted)": 2.8}
LABELS = {"canopy_c": "Canopy C API", "canopy_cpp": "Canopy C++ API",
          "bare_swap": "bare canopy_ctx_swap", "boost_fcontext": "Boost.Context fcontext",
          "boost_context_fiber": "Boost.Context fiber", "boost_fiber": "Boost.Fiber"}
ORDER = ["switch", "go_hclose", "channel", "choose", "choose_ready", "spawn_sleeping_100k"]
UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(paths, use_real):
    """{(group, impl): {"ns": [...], "rss": [...], "maps": [...], ...}}"""
    samples = {}
    for path in paths:
        with open(path) as f:
            text = f.read()
        # Tolerate console output before the JSON (e.g. stderr merged in).
        try:
            data = json.loads(text[text.index("{"):])
        except ValueError as e:
            print(f"compare.py: skipping {path}: not complete JSON ({e})", file=sys.stderr)
            continue
        for b in data.get("benchmarks", []):
            if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                continue
            parts = b.get("run_name", b["name"]).split("/")
            if len(parts) < 2:
                continue
            key = (parts[0], parts[1])
            s = samples.setdefault(key, {})
            if "ns_per_coroutine" in b:
                ns = b["ns_per_coroutine"]
            else:
                t = b["real_time"] if use_real else b["cpu_time"]
                ns = t * UNIT.get(b.get("time_unit", "ns"), 1.0)
            s.setdefault("ns", []).append(ns)
            for counter in ("rss_bytes_per_coroutine", "maps", "maps_delta", "overflow_detected"):
                if counter in b:
                    s.setdefault(counter, []).append(b[counter])
    return samples


def fmt_ns(v):
    if v >= 1000:
        return f"{v / 1000:.2f} us"
    return f"{v:.1f} ns" if v >= 10 else f"{v:.2f} ns"


def cell(values):
    med = statistics.median(values)
    if len(values) == 1:
        return fmt_ns(med)
    return f"{fmt_ns(med)} ({fmt_ns(min(values))}-{fmt_ns(max(values))}, n={len(values)})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="+", help="bench_core --benchmark_format=json output")
    ap.add_argument("--real", action="store_true", help="use wall time instead of CPU time")
    ap.add_argument("--canopy", default="canopy_c", help="Canopy flavour to compare (canopy_c, canopy_cpp)")
    args = ap.parse_args()
    samples = load(args.json, args.real)
    if not samples:
        sys.exit("no benchmark results found")
    groups = sorted({g for g, _ in samples}, key=lambda g: (ORDER.index(g) if g in ORDER else 99, g))
    med = {k: statistics.median(v["ns"]) for k, v in samples.items()}

    print("## Measured (median, spread min-max)\n")
    print("| benchmark | implementation | time per op |")
    print("|---|---|---|")
    for g in groups:
        for (gg, impl), s in sorted(samples.items()):
            if gg == g:
                print(f"| {g} | {LABELS.get(impl, impl)} | {cell(s['ns'])} |")

    print(f"\n## Ratios: {LABELS.get(args.canopy, args.canopy)} / peer (below 1: Canopy faster)\n")
    print("| benchmark | Canopy ns | peer | peer ns | ratio |")
    print("|---|---|---|---|---|")
    for g in groups:
        ck = (g, args.canopy)
        if ck not in med:
            continue
        for (gg, impl) in sorted(samples):
            if gg != g or impl == args.canopy:
                continue
            print(f"| {g} | {med[ck]:.1f} | {LABELS.get(impl, impl)} | {med[(g, impl)]:.1f} "
                  f"| {med[ck] / med[(g, impl)]:.2f} |")
        if g == "switch":
            for label, ns in QUOTED_NS.items():
                print(f"| {g} | {med[ck]:.1f} | {label} | {ns:.1f} | {med[ck] / ns:.2f} |")

    print("\n## Issue 2 targets (libdill figures are quoted, not measured here)\n")
    print("| benchmark | Canopy ns | libdill ns | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for g in groups:
        ck = (g, args.canopy)
        if g not in LIBDILL_NS or ck not in med:
            continue
        r = med[ck] / LIBDILL_NS[g]
        t = TARGET_FRACTION[g]
        print(f"| {g} | {med[ck]:.1f} | {LIBDILL_NS[g]:.0f} | {r:.2f} | <= {t:.2f} | "
              f"{'yes' if r <= t else 'NO'} |")
    for peer in ("boost_fcontext", "boost_context_fiber"):
        if ("switch", args.canopy) in med and ("switch", peer) in med:
            r = med[("switch", args.canopy)] / med[("switch", peer)]
            print(f"| switch vs {LABELS[peer]} (measured) | {med[('switch', args.canopy)]:.1f} "
                  f"| {med[('switch', peer)]:.1f} (peer) | {r:.2f} | <= 1.20 | {'yes' if r <= 1.2 else 'NO'} |")

    spawn = [(k, s) for k, s in sorted(samples.items()) if "rss_bytes_per_coroutine" in s]
    if spawn:
        print("\n## Spawning 100,000 sleeping coroutines: memory\n")
        print("| implementation | RSS bytes per coroutine | memory maps at peak | maps added | overflow detected |")
        print("|---|---|---|---|---|")
        for (g, impl), s in spawn:
            od = s.get("overflow_detected")
            od_text = "n/a" if od is None else ("yes" if min(od) >= 1 else "NO")
            print(f"| {LABELS.get(impl, impl)} | {statistics.median(s['rss_bytes_per_coroutine']):.0f} "
                  f"| {max(s['maps']):.0f} | {max(s['maps_delta']):.0f} | {od_text} |")


if __name__ == "__main__":
    main()
