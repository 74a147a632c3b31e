#!/bin/sh
# Opens the HTML lifetime diagram in headless Chromium: the script must run,
# collapse a subtree when asked (#collapse=0), and the page must render to a
# non-trivial screenshot. Exits 77 (skipped) when Chromium is not installed.
#   html_in_browser.sh RENDER_TOOL TRACE OUT_DIR
set -u
render_tool=$1
trace=$2
out_dir=$3
browser_window=1480,420
browser_flags=
. "$(dirname "$0")/browser.sh"
mkdir -p "$out_dir" || exit 1
page="$out_dir/diagram.html"
"$render_tool" "$trace" "$page" || { echo "FAIL: could not render $trace"; exit 1; }

browse --dump-dom "file://$page" > "$out_dir/dom.html"
check "the page's script ran to the end" grep -q 'data-ready="yes"' "$out_dir/dom.html"
check "every coroutine has a lane" test "$(grep -o 'data-lane="[0-9]*"' "$out_dir/dom.html" | wc -l)" -eq 4
check "no lane is hidden before anything is collapsed" \
  sh -c "! grep -q 'class=\"lane-row hidden\"' '$out_dir/dom.html'"
check "the axis was redrawn by the script" grep -q 'class="tick-label"' "$out_dir/dom.html"
check "the replay line is shown" grep -q 'replay: CANOPY_SEED=42' "$out_dir/dom.html"

browse --dump-dom "file://$page#collapse=0" > "$out_dir/dom_collapsed.html"
hidden=$(grep -o 'class="lane-row hidden"' "$out_dir/dom_collapsed.html" | wc -l)
check "collapsing main hides its three children (hidden: $hidden)" test "$hidden" -eq 3
check "the collapsed label is marked" grep -q '▸ main' "$out_dir/dom_collapsed.html"

browse --dump-dom "file://$page#tip=1" > "$out_dir/dom_tip.html"
check "pointing at a lane shows its events and the replay line" \
  sh -c "grep -q 'id=\"tip\" style=\"display: block' '$out_dir/dom_tip.html' &&
         grep -q 'replay: CANOPY_SEED=42 ./server</div>' '$out_dir/dom_tip.html'"

browse --screenshot="$out_dir/diagram.png" "file://$page#zoom=0,160000000" >/dev/null
size=$(stat -c %s "$out_dir/diagram.png" 2>/dev/null || echo 0)
check "the screenshot has content ($size bytes)" test "$size" -gt 20000
exit $fail
