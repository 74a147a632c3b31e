#!/bin/sh
# A simulated run with CANOPY_NET_FAULTS=partition (net_faults=partition in
# the replay line), drawn: the trace holds net_partition and net_send
# events, at most 64 writes per socket, byte-identical for the same seed;
# the page draws partitions (data-kind="partition") and the messages
# (data-kind="message" data-net="send").
#   net_faults_diagram.sh CANOPY OUT_DIR
set -u
canopy=$1
out_dir=$2
mkdir -p "$out_dir" || exit 1
fail=0
check() {  # check DESCRIPTION COMMAND...
  description=$1
  shift
  if "$@"; then echo "ok: $description"; else echo "FAIL: $description"; fail=1; fi
}
line='v1:scenario=framing-echo;seed=1;strategy=random;net_faults=partition'
"$canopy" replay "$line" --trace "$out_dir/a.trace" > /dev/null || { echo "FAIL: could not run $line"; exit 1; }
"$canopy" replay "$line" --trace "$out_dir/b.trace" > /dev/null || { echo "FAIL: could not run $line again"; exit 1; }
check "the same seed gives a byte-identical trace" cmp -s "$out_dir/a.trace" "$out_dir/b.trace"
partitions=$(grep -c '"kind":"net_partition"' "$out_dir/a.trace")
sends=$(grep -c '"kind":"net_send"' "$out_dir/a.trace")
check "the trace has partitions ($partitions) and messages ($sends)" test "$partitions" -gt 0 -a "$sends" -gt 0
most=$(grep -o '"kind":"net_send","socket":[0-9]*' "$out_dir/a.trace" | sort | uniq -c | sort -rn | head -1 | awk '{print $1}')
check "at most 64 messages traced per socket ($most)" test "$most" -le 64
"$canopy" lint "$out_dir/a.trace" > /dev/null
check "the trace reads back (lint ran)" test $? -le 1
"$canopy" render "$out_dir/a.trace" -o "$out_dir/a.html" || { echo "FAIL: could not render"; exit 1; }
drawn=$(grep -o '<rect class="net-partition"[^>]*data-kind="partition"' "$out_dir/a.html" | wc -l)
check "every partition is drawn ($drawn of $partitions)" test "$drawn" -eq "$partitions"
ticks=$(grep -o 'data-kind="message"[^>]*data-net="send"' "$out_dir/a.html" | wc -l)
check "the messages are ticks ($ticks)" test "$ticks" -gt 0
check "a connection is marked partitioned" grep -q 'data-partitioned="1"' "$out_dir/a.html"
exit $fail
