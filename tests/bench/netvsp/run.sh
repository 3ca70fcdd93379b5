#!/usr/bin/env bash
# netvsp benchmark: ns per 1,514-byte frame (host work only: netvsp_poll
# of the sending and of the receiving guest's channel) against memcpy of
# the same bytes, then instructions per frame under callgrind: everything
# inside netvsp_poll (NVSP, RNDIS, the switch, the delivery into the
# receive buffer, the VMBus ring reads and writes), the same without the
# copy into the guest's receive buffer (the issue's measure: the writes
# of the RNDIS header, the frame's head and its tail, which comes
# straight out of the sender's send buffer), and the VMBus ring
# operations' share. Ir(2K) - Ir(K) over K frames cancels the set-up.
set -euo pipefail
bin=@BENCH_BIN@
k=20000
tmp=$(mktemp -d "${TMPDIR:-/tmp}/netvspbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$bin" time "${NETVSP_BENCH_FRAMES:-400000}"
if ! command -v valgrind >/dev/null; then
  echo "bench netvsp_instr: valgrind missing (apt-get install valgrind)"
  exit 1
fi
cg() { # mode n fn -> callgrind output file
  local out="$tmp/cg.$1.$2"
  valgrind --tool=callgrind --toggle-collect="$3" \
    --callgrind-out-file="$out" "$bin" "$1" "$2" >/dev/null 2>"$out.log" ||
    { cat "$out.log" >&2; return 1; }
  echo "$out"
}
total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
incl() { # file fn: inclusive Ir of fn
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk -v fn="$2" '{ gsub(",", "", $1) } !done && index($0, ":" fn " ") { print $1; done = 1 }'
}
a=$(cg loop "$k" netvsp_poll); b=$(cg loop $((2 * k)) netvsp_poll)
# The copy into the guest: the buf_write callback (RNDIS header, the
# frame's head and tail).
gc=$(( $(incl "$b" m_write) - $(incl "$a" m_write) ))
vm=0
for fn in vmbus_ring_iter_next vmbus_ring_send vmbus_ring_write; do
  x=$(incl "$b" "$fn"); y=$(incl "$a" "$fn")
  vm=$((vm + ${x:-0} - ${y:-0}))
done
awk -v a="$(total "$a")" -v b="$(total "$b")" -v gc="$gc" \
    -v vm="$vm" -v k="$k" 'BEGIN {
  per = (b - a) / k; copy = gc / k
  printf "bench netvsp_instr: %.0f instructions/frame (switch + netvsp + VMBus rings, the copy into the guest; target: report)\n", per
  printf "bench netvsp_instr_excl_guest_copy: %.0f instructions/frame (target <=1500)\n", per - copy
  printf "bench netvsp_instr_vmbus_rings: %.0f instructions/frame (2 ring reads, 2 ring writes; target: report)\n", vm / k
  printf "bench netvsp_instr_guest_copy: %.0f instructions/frame (buf_write of header, head and tail; target: report)\n", copy }'
