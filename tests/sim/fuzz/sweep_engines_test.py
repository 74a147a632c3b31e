#!/usr/bin/env python3
"""Sharded sweeps merge into the unsharded sweep's report, and the job-engine
files in examples/sweep/ do that when their commands run here.

Usage: sweep_engines_test.py CANOPY SOURCE_DIR CHECK [DIR]
  CHECK is one of: merge, auto, github, kubernetes, or results (DIR holds
  shard-*.json and shard-*.xml of `all --seeds 1..40 --strategy auto`, as the
  Slurm test leaves them: they must merge into the unsharded sweep's).
Each check exits 0 when it holds and prints what differed when not."""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

CANOPY, SOURCE = sys.argv[1], sys.argv[2]
CHECK = sys.argv[3]
# A sweep with failures in it (what-if cancellation), small enough for seconds.
SWEEP = ["all", "--seeds", "1..40", "--whatif", "cancel"]
# What the example files sweep (their seed range made smaller here).
EXAMPLE = ["--strategy", "auto"]


def run(args, env=None, ok=(0, 1)):
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run(args, env=full_env, capture_output=True, text=True, timeout=300)
    if p.returncode not in ok:
        sys.exit(f"{' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def sh(command, env=None, ok=(0, 1)):
    return run(["sh", "-c", command], env, ok)


def comparable(path):
    """A report without the fields that say how it was split: which shards it
    covers, of how many."""
    with open(path) as f:
        report = json.load(f)
    report.pop("shards")
    report["sweep"].pop("shard_count")
    return report


def unsharded(work, settings):
    run([CANOPY, "sweep", "all", "--seeds", "1..40", *settings, "--json", f"{work}/full.json", "--junit",
         f"{work}/full.xml"])
    return comparable(f"{work}/full.json")


def same_as_unsharded(work, merged_json, merged_xml, settings):
    full = unsharded(work, settings)
    merged = comparable(merged_json)
    if merged != full:
        sys.exit(f"the merged report differs from the unsharded one:\n{json.dumps(merged)[:2000]}\n"
                 f"{json.dumps(full)[:2000]}")
    if full["runs"] != 40 * len(full["scenarios"]) or len(full["scenarios"]) < 2:
        sys.exit(f"expected 40 runs of every scenario, the report says {full['runs']} of {len(full['scenarios'])}")
    with open(merged_xml) as a, open(f"{work}/full.xml") as b:
        if a.read() != b.read():
            sys.exit("the merged JUnit file differs from the unsharded one")


def check_merge(work):
    for k in (1, 2, 3):
        run([CANOPY, "sweep", *SWEEP, "--shard", f"{k}/3", "--json", f"{work}/s{k}.json",
             "--junit", f"{work}/s{k}.xml"])
    # Out of order on purpose: the merge does not depend on it.
    p = run([CANOPY, "sweep", "merge", "--json", f"{work}/m.json", "--junit", f"{work}/m.xml",
             f"{work}/s3.json", f"{work}/s1.json", f"{work}/s2.json", f"{work}/s2.xml", f"{work}/s1.xml",
             f"{work}/s3.xml"], ok=(1,))
    if not re.search(r"\d+ runs, \d+ failed, \d+ distinct failures? \(all 1\.\.40, 3 of 3 shards\)", p.stdout):
        sys.exit("unexpected merge summary:\n" + p.stdout)
    same_as_unsharded(work, f"{work}/m.json", f"{work}/m.xml", SWEEP[3:])
    if not comparable(f"{work}/m.json")["failures"]:
        sys.exit("the sweep was meant to have failures to group, and has none")
    # Each distinct failure is printed once, with a count.
    groups = comparable(f"{work}/m.json")["failures"]
    # Every failure of this sweep followed a what-if injection: the group
    # names it in a field of its own, apart from the report of what failed.
    for g in groups:
        if not g.get("whatif") or "(what-if) " not in g["signature"] or g["report"].startswith("what-if"):
            sys.exit("a what-if failure group does not keep its injection apart:\n" + json.dumps(g)[:1000])
    if p.stdout.count("FAILED ") != len(groups) or not re.search(r"FAILED \S+ \(\d+ runs?, first seed \d+\)", p.stdout):
        sys.exit("the merge printed a failure group more than once")
    # A missing shard is an error (exit 2), a shard given twice too.
    p = run([CANOPY, "sweep", "merge", f"{work}/s1.json", f"{work}/s2.json"], ok=(2,))
    if "missing 3" not in p.stdout or "shards are missing" not in p.stderr:
        sys.exit("a missing shard was not named:\n" + p.stdout + p.stderr)
    p = run([CANOPY, "sweep", "merge", f"{work}/s1.json", f"{work}/s1.json"], ok=(2,))
    if "shard 1 of 3 is in two of the reports" not in p.stderr:
        sys.exit("a shard given twice was not refused:\n" + p.stderr)
    # Shards of different sweeps do not merge.
    run([CANOPY, "sweep", "all", "--seeds", "1..41", "--shard", "1/3", "--json", f"{work}/other.json"])
    p = run([CANOPY, "sweep", "merge", f"{work}/s2.json", f"{work}/other.json"], ok=(2,))
    if "different sweeps" not in p.stderr:
        sys.exit("reports of different sweeps were merged:\n" + p.stderr)


def check_auto(work):
    def shard_of(env):
        p = run([CANOPY, "sweep", "parent-closes-child", "--seeds", "1..8", "--shard", "auto"], env, ok=(0, 1, 2))
        m = re.search(r"shard (\d+)/(\d+)", p.stdout)
        return (m.group(1) + "/" + m.group(2)) if m else p.stderr.strip()

    clean = {k: "" for k in ("CANOPY_SHARD_INDEX", "CANOPY_SHARD_COUNT", "JOB_COMPLETION_INDEX", "JOB_COMPLETIONS",
                             "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                             "SLURM_ARRAY_TASK_MAX")}
    cases = [
        ({"CANOPY_SHARD_INDEX": "0", "CANOPY_SHARD_COUNT": "4"}, "1/4"),
        ({"JOB_COMPLETION_INDEX": "2", "JOB_COMPLETIONS": "3"}, "3/3"),
        ({"SLURM_ARRAY_TASK_ID": "11", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_MAX": "13",
          "SLURM_ARRAY_TASK_COUNT": "4"}, "2/4"),
        ({"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "2"}, "1/3"),
        ({}, "canopy: --shard auto found no shard in the environment"),
        ({"JOB_COMPLETION_INDEX": "1"}, "canopy: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but "
                                        "JOB_COMPLETIONS is not"),
        ({"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "3"}, "canopy: JOB_COMPLETION_INDEX=3 and JOB_COMPLETIONS=3 "
                                                                 "do not name a shard"),
        ({"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "4",
          "SLURM_ARRAY_TASK_COUNT": "3"}, "canopy: the Slurm array has a step or gaps"),
        ({"CANOPY_SHARD_INDEX": "x", "CANOPY_SHARD_COUNT": "2"}, "canopy: CANOPY_SHARD_INDEX=x is not a number"),
    ]
    for env, expected in cases:
        got = shard_of({**clean, **env})
        if not got.startswith(expected):
            sys.exit(f"with {env}: expected {expected!r}, got {got!r}")


def substitute(command, values):
    for name, value in values.items():
        command = command.replace(name, value)
    return command


def check_github(work):
    with open(f"{SOURCE}/examples/sweep/github-actions.yml") as f:
        flow = yaml.safe_load(f)
    shard, merge = flow["jobs"]["shard"], flow["jobs"]["merge"]
    matrix = shard["strategy"]["matrix"]["shard"]
    if shard["strategy"].get("fail-fast") is not False or merge["needs"] != "shard":
        sys.exit("every shard must run to the end (fail-fast: false) and the merge must wait for them")
    step = next(s for s in shard["steps"] if s.get("name") == "sweep this shard")
    if step["env"] != {"CANOPY_SHARD_INDEX": "${{ strategy.job-index }}",
                       "CANOPY_SHARD_COUNT": "${{ strategy.job-total }}"}:
        sys.exit("the shard step must pass the job's index and total: " + str(step["env"]))
    upload = next(s for s in shard["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    download = next(s for s in merge["steps"] if s.get("uses", "").startswith("actions/download-artifact"))
    if download["with"]["pattern"] != "sweep-shard-*" or not upload["with"]["name"].startswith("sweep-shard-"):
        sys.exit("the merge must download what the shards upload")
    merge_step = next(s for s in merge["steps"] if s.get("name") == "merge")
    os.makedirs(f"{work}/shards")
    # Each matrix job, as GitHub would expand it (a smaller seed range here).
    for index, value in enumerate(matrix):
        command = substitute(step["run"], {"${{ matrix.shard }}": str(value), "build/cli/canopy": CANOPY,
                                           "1..2000": "1..40", "--jobs 2": "--jobs 1"})
        sh(f"cd {work}/shards && {command}", {"CANOPY_SHARD_INDEX": str(index),
                                             "CANOPY_SHARD_COUNT": str(len(matrix))}, ok=(0,))
    sh(f"cd {work} && " + substitute(merge_step["run"], {"build/cli/canopy": CANOPY}))
    same_as_unsharded(work, f"{work}/sweep.json", f"{work}/sweep.xml", EXAMPLE)


def check_kubernetes(work):
    with open(f"{SOURCE}/examples/sweep/kubernetes-indexed-job.yaml") as f:
        sweep, merge = list(yaml.safe_load_all(f))
    spec = sweep["spec"]
    if sweep["kind"] != "Job" or sweep["apiVersion"] != "batch/v1" or spec["completionMode"] != "Indexed":
        sys.exit("the sweep must be an Indexed Job of batch/v1")
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    if env.get("JOB_COMPLETIONS") != str(spec["completions"]):
        sys.exit("JOB_COMPLETIONS must equal the job's completions")
    mount = container["volumeMounts"][0]["mountPath"]
    merge_container = merge["spec"]["template"]["spec"]["containers"][0]
    if merge_container["volumeMounts"][0]["mountPath"] != mount or \
            merge["spec"]["template"]["spec"]["volumes"] != spec["template"]["spec"]["volumes"]:
        sys.exit("the merge job must see the sweep's volume")
    results = f"{work}/results"
    os.makedirs(results)
    values = {"/usr/local/bin/canopy": CANOPY, mount: results, "1..2000": "1..40", "--jobs 2": "--jobs 1"}
    assert container["command"][:2] == ["sh", "-c"]
    for index in range(spec["completions"]):
        sh(substitute(container["command"][2], values),
           {"JOB_COMPLETION_INDEX": str(index), "JOB_COMPLETIONS": env["JOB_COMPLETIONS"]}, ok=(0,))
    sh(substitute(merge_container["command"][2], values))
    same_as_unsharded(work, f"{results}/sweep.json", f"{results}/sweep.xml", EXAMPLE)


def check_results(work):
    shards = sys.argv[4]
    files = sorted(os.listdir(shards))
    jsons = [f"{shards}/{f}" for f in files if f.startswith("shard-") and f.endswith(".json")]
    xmls = [f"{shards}/{f}" for f in files if f.startswith("shard-") and f.endswith(".xml")]
    if not jsons or len(jsons) != len(xmls):
        sys.exit(f"expected a JSON and a JUnit report per shard in {shards}, found {files}")
    run([CANOPY, "sweep", "merge", "--json", f"{work}/m.json", "--junit", f"{work}/m.xml", *jsons, *xmls])
    same_as_unsharded(work, f"{work}/m.json", f"{work}/m.xml", EXAMPLE)


with tempfile.TemporaryDirectory(prefix="canopy-sweep-test-") as work:
    {"merge": check_merge, "auto": check_auto, "github": check_github, "kubernetes": check_kubernetes,
     "results": check_results}[CHECK](work)
print(f"{CHECK}: ok")
