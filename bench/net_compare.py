#!/usr/bin/env python3
"""Runs the network benchmark (bench_net_canopy and, if it was built,
bench_net_libdill: the same C echo server against both) and prints one
Markdown table: messages per second, the server's resident set, and each
peer's throughput as a ratio to Canopy's, per connection count.

usage: net_compare.py BUILD_DIR [extra Google Benchmark arguments...]
"""
import json
import os
import subprocess
import sys


def run(binary, extra):
    out = subprocess.run([binary, "--benchmark_format=json"] + extra, check=True,
                         capture_output=True, text=True).stdout
    results = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("error_occurred"):
            print(f"{binary}: {b['name']}: {b.get('error_message')}", file=sys.stderr)
            continue
        # "echo/canopy/1000/iterations:200/real_time" -> ("canopy", 1000)
        parts = b["name"].split("/")
        results[(parts[1], int(parts[2]))] = b
    return results


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build, extra = sys.argv[1], sys.argv[2:]
    results = run(os.path.join(build, "bench", "bench_net_canopy"), extra)
    libdill = os.path.join(build, "bench", "bench_net_libdill")
    if os.path.exists(libdill):
        results.update({k: v for k, v in run(libdill, extra).items() if k[0] == "libdill"})
    servers = [s for s in ("canopy", "libdill", "threads", "epoll") if any(k[0] == s for k in results)]
    sizes = sorted({k[1] for k in results})
    print("| connections | server | messages/s | us per round trip | server RSS MiB | KiB per connection | vs canopy |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in sizes:
        base = results.get(("canopy", n))
        for s in servers:
            r = results.get((s, n))
            if r is None:
                continue
            ratio = r["msgs_per_s"] / base["msgs_per_s"] if base else float("nan")
            print(f"| {n:,} | {s} | {r['msgs_per_s']:,.0f} | {r['us_per_round_trip']:,.1f} | "
                  f"{r['rss_mib']:.1f} | {r['rss_kib_per_connection']:.1f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
