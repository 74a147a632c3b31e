#!/bin/sh
# The lifetime diagrams of the seed documents' scenarios, opened in headless
# Chromium as a user would: the DOM after the page's script ran must hold the
# grace periods, the revoked grace, the cancellation arrows and the ECANCELED
# markers of nested-grace-periods at their exact virtual times, open fitted
# to the whole run; thousand-children must open as one collapsed band; the
# diff page must mark the first divergence. Screenshots stay in OUT_DIR.
# Exits 77 (skipped) when Chromium is not installed.
#   story_in_browser.sh CANOPY OUT_DIR
set -u
canopy=$1
out_dir=$2
width=1400
browser_window="$width,600"
browser_flags=--hide-scrollbars
. "$(dirname "$0")/browser.sh"
mkdir -p "$out_dir" || exit 1
# has FILE PATTERN...: one element of FILE carries every PATTERN.
has() {
  file=$1
  shift
  grep -o '<[a-z]* [^>]*>' "$file" > "$file.tags"
  for pattern in "$@"; do
    grep -F -- "$pattern" "$file.tags" > "$file.tags.next"
    mv "$file.tags.next" "$file.tags"
  done
  test -s "$file.tags"
}

for name in nested-grace-periods thousand-children; do
  "$canopy" run $name --seed 1 --strategy fifo --trace "$out_dir/$name.trace" > /dev/null ||
    { echo "FAIL: could not run $name"; exit 1; }
  "$canopy" render "$out_dir/$name.trace" -o "$out_dir/$name.html" || { echo "FAIL: could not render $name"; exit 1; }
done

page="file://$out_dir/nested-grace-periods.html"
dom="$out_dir/nested-grace-periods.dom.html"
browse --dump-dom "$page" > "$dom"
check "the page's script ran to the end" grep -q 'data-ready="yes"' "$dom"
check "main's grace period for foo: 161 ms to 661 ms" \
  has "$dom" '<rect class="grace"' 'data-co="0"' 'data-a0="161000000" data-a1="661000000"'
check "foo's grace period for bar: 161 ms to 661 ms, where it was cut short" \
  has "$dom" '<rect class="grace"' 'data-co="1"' 'data-a0="161000000" data-a1="661000000"'
check "the revoked part of foo's grace: 661 ms to its deadline at 1161 ms" \
  has "$dom" 'data-kind="grace-revoked"' 'data-co="1"' 'data-a0="661000000" data-a1="1161000000"'
check "main cancels foo at 661 ms (seq 21), the arrow ending at foo's ECANCELED (seq 23)" \
  has "$dom" 'data-kind="cancel"' 'data-co="1"' 'data-by="0"' 'data-a0="661000000" data-a1="661000000" data-s0="21" data-s1="23"'
check "foo cancels bar (seq 26), the arrow ending at bar's ECANCELED (seq 28)" \
  has "$dom" 'data-kind="cancel"' 'data-co="2"' 'data-by="1"' 'data-s0="26" data-s1="28"'
check "ECANCELED reaches foo at 661 ms" has "$dom" 'data-kind="ecanceled"' 'data-co="1"' 'data-a0="661000000"'
check "ECANCELED reaches bar at 661 ms" has "$dom" 'data-kind="ecanceled"' 'data-co="2"' 'data-a0="661000000"'
check "the page opens on the whole run (view 0 to the axis's span)" \
  sh -c "grep -o 'data-view=\"0,[0-9]*\"' '$dom' | grep -q 'data-view=\"0,1207440000\"'"
svg_width=$(grep -o '<svg id="diagram"[^>]*' "$dom" | sed -n 's/.* width="\([0-9]*\).*/\1/p')
check "the diagram fits the window's width ($svg_width <= $width)" test "$svg_width" -le $width
end_x=$(grep -o '<line id="run-end"[^>]*' "$dom" | sed -n 's/.* x1="\([0-9]*\).*/\1/p')
check "the end of the run is on screen (x $end_x)" test "$end_x" -lt "$svg_width"
browse --screenshot="$out_dir/nested-grace-periods.png" "$page" > /dev/null
browse --screenshot="$out_dir/nested-grace-periods-events.png" "$page#axis=seq" > /dev/null
check "a screenshot of the story" test -s "$out_dir/nested-grace-periods.png"

page="file://$out_dir/thousand-children.html"
dom="$out_dir/thousand-children.dom.html"
browse --dump-dom "$page" > "$dom"
check "the thousand children are one band" has "$dom" 'class="lane-row"' 'data-band="1000"'
check "the band's label says how many and which function" grep -q '▸ 1000 × bar' "$dom"
hidden=$(grep -o 'class="lane-row hidden"' "$dom" | wc -l)
check "the band opens collapsed: its 100 member lanes hidden ($hidden)" test "$hidden" -eq 100
check "the band shows its exits, by how they ended" has "$dom" 'data-kind="exit"' 'data-result="cancelled"' 'data-count='
browse --screenshot="$out_dir/thousand-children.png" "$page" > /dev/null
browse --dump-dom "$page#expand=1" > "$dom.expanded"
hidden=$(grep -o 'class="lane-row hidden"' "$dom.expanded" | wc -l)
check "expanding the band shows its members ($hidden hidden)" test "$hidden" -eq 0
browse --screenshot="$out_dir/thousand-children-expanded.png" "$page#expand=1" > /dev/null

"$canopy" run nested-grace-periods --seed 1 --strategy random --trace "$out_dir/a.trace" > /dev/null
"$canopy" run nested-grace-periods --seed 2 --strategy random --trace "$out_dir/b.trace" > /dev/null
"$canopy" diff "$out_dir/a.trace" "$out_dir/b.trace" -o "$out_dir/diff.html" > "$out_dir/diff.txt"
check "canopy diff says the runs differ and writes the page" test $? -eq 1 -a -s "$out_dir/diff.html"
seq=$(grep -o 'diverge at seq [0-9]*' "$out_dir/diff.txt" | grep -o '[0-9]*$')
browse --dump-dom "file://$out_dir/diff.html" > "$out_dir/diff.dom.html"
check "the diff page marks the first divergence (seq $seq) on both runs" \
  sh -c "grep -q 'id=\"a-divergence\"[^>]*data-seq=\"$seq\"' '$out_dir/diff.dom.html' &&
         grep -q 'id=\"b-divergence\"[^>]*data-seq=\"$seq\"' '$out_dir/diff.dom.html'"
browse --screenshot="$out_dir/diff.png" "file://$out_dir/diff.html" > /dev/null
"$canopy" tour --out "$out_dir/tour" nested-grace-periods thousand-children > "$out_dir/tour.log" 2>&1
check "the tour ran both scenarios as documented" test $? -eq 0
browse --dump-dom "file://$out_dir/tour/index.html" > "$out_dir/tour.dom.html"
thumbnails=$(grep -o '<img src="[a-z-]*.thumbnail.svg"' "$out_dir/tour.dom.html" | wc -l)
check "the tour's index shows a thumbnail of each diagram ($thumbnails)" test "$thumbnails" -eq 2
check "and says what to look at in each" test "$(grep -o '<b>Look at:</b>' "$out_dir/tour.dom.html" | wc -l)" -eq 2
browse --screenshot="$out_dir/tour-index.png" "file://$out_dir/tour/index.html" > /dev/null
exit $fail
