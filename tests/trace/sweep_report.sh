#!/bin/sh
# canopy sweep --report DIR writes one HTML page for a failing sweep: the
# counts per scenario and mode, each failure with its report, replay line,
# shrunk replay line, diagram and diff against the nearest passing seed.
#   sweep_report.sh CANOPY OUT_DIR
set -u
canopy=$1
out=$2
rm -rf "$out" "$out.coverage.json"
fail=0
check() {  # check DESCRIPTION COMMAND...
  description=$1
  shift
  if "$@"; then echo "ok: $description"; else echo "FAIL: $description"; fail=1; fi
}
"$canopy" sweep stack-on-stack --seeds 1..12 --strategy random --whatif cancel,timeout --coverage "$out.coverage.json" --report "$out" > "$out.log" 2>&1
check "the sweep fails (exit 1) and says where its report is" sh -c "test $? -eq 1 && grep -q 'report: $out/index.html' '$out.log'"
page="$out/index.html"
failed=$(grep -c '^WHAT-IF' "$out.log")
check "some seeds fail after a what-if injection ($failed)" test "$failed" -ge 1
check "the counts: 12 runs of stack-on-stack in this mode, $failed failed, all after a what-if injection" \
  grep -q "<tr><td>stack-on-stack</td><td>random + what-if cancel + what-if timeout</td><td class=\"n\">12</td><td class=\"n\">$((12 - failed))</td><td class=\"n bad\">$failed</td><td class=\"n\">$failed</td>" "$page"
check "one section per failure" test "$(grep -c '<section class="failure"' "$page")" -eq "$failed"
check "each failure has its replay line" test "$(grep -c '<p>replay: <code>canopy replay' "$page")" -eq "$failed"
check "and its shrunk one" test "$(grep -c 'shrunk replay' "$page")" -eq "$failed"
for n in $(seq 1 "$failed"); do
  check "failure $n has a diagram, a trace and a diff page" \
    test -s "$out/failure-$n.html" -a -s "$out/failure-$n.trace" -a -s "$out/failure-$n-diff.html"
done
check "the diagram shows the failed run's end" grep -q 'data-how="body-failed"' "$out/failure-1.html"
check "the diff page marks where the runs part" grep -q 'id="a-divergence"' "$out/failure-1-diff.html"
check "the cancellation coverage is drawn, one row per blocking call site" \
  sh -c "grep -q '<h2>Cancellation coverage</h2>' '$page' && grep -q 'data-kind=\"coverage\" data-site=' '$page'"
exit $fail
