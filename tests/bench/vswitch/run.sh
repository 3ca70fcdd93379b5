#!/usr/bin/env bash
# vswitch benchmark: learned-unicast frames/s on one core, and instructions
# per learned-unicast frame under callgrind (everything inside
# vsw_port_send, delivery callback included, which copies nothing).
# The instruction count is Ir(2K frames) - Ir(K frames), divided by K, so
# the warm-up (one flood per port) cancels out.
set -euo pipefail
bin=@BENCH_BIN@
k=200000
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vswbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ir() { # ports frames
  local out="$tmp/cg.$1.$2"
  valgrind --tool=callgrind --toggle-collect=vsw_port_send \
    --callgrind-out-file="$out" "$bin" loop "$1" "$2" >/dev/null 2>"$out.log" ||
    { cat "$out.log" >&2; return 1; }
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

for n in 4 1024; do
  "$bin" time "$n"
done
if ! command -v valgrind >/dev/null; then
  echo "bench vswitch_instr: valgrind missing (apt-get install valgrind)"
  exit 1
fi
for n in 4 1024; do
  a=$(ir "$n" "$k")
  b=$(ir "$n" $((2 * k)))
  awk -v a="$a" -v b="$b" -v k="$k" -v n="$n" 'BEGIN {
    printf "bench vswitch_unicast_%dports_instr: %.1f instructions/frame (target <=150)\n", n, (b - a) / k }'
done
