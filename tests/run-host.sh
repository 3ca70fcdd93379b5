#!/usr/bin/env bash
# Runs host test executables (TAP output, cmocka via CMOCKA_MESSAGE_OUTPUT=TAP)
# and libFuzzer targets, each under a watchdog. Prints one TAP-ish line per
# test and appends "passed failed" counts to $HVPART_COUNTS when set.
# Usage: run-host.sh --tests "A B" [--fuzzers "F G"] [--fuzz-seconds S]
set -u
tests=""; fuzzers=""; fuzz_seconds=10; watchdog=${HVPART_WATCHDOG:-900}
while [ $# -gt 0 ]; do
  case "$1" in
    --tests) tests=$2; shift 2 ;;
    --fuzzers) fuzzers=$2; shift 2 ;;
    --fuzz-seconds) fuzz_seconds=$2; shift 2 ;;
    *) echo "run-host.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
pass=0; fail=0
log_dir=${HVPART_LOGS:-build/test-logs}; mkdir -p "$log_dir"
for t in $tests; do
  name=$(basename "$t"); log="$log_dir/$name.log"
  CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$watchdog" "$t" >"$log" 2>&1
  rc=$?
  p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a test that ran nothing fails
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$f" -gt 0 ]; then
    echo "FAIL $name: $p passed, $f failed (exit $rc); tail of $log:"
    grep -E '^not ok|ERROR|error|Sanitizer|runtime error' "$log" | head -20
    tail -n 15 "$log"
  else
    echo "ok   $name: $p passed"
  fi
done
# fuzz_one FUZZER: runs it for fuzz_seconds, writes NAME.fuzz-result:
# its line, then (on a failure) the tail of its log.
fuzz_one() {
  local fz=$1 name log corpus seeds rc
  name=$(basename "$fz"); log="$log_dir/$name.log"
  corpus="$log_dir/corpus-$name"; mkdir -p "$corpus"
  seeds=tests/fuzz/seeds/$name; [ -d "$seeds" ] || seeds=""
  timeout -k 10 $((fuzz_seconds + 60)) "$fz" -max_total_time="$fuzz_seconds" \
    -rss_limit_mb=2048 -timeout=10 "$corpus" $seeds >"$log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then echo "ok   fuzz $name ($fuzz_seconds s)";
  else echo "FAIL fuzz $name (exit $rc):"; tail -n 30 "$log"; fi > "$log_dir/$name.fuzz-result"
}
# Each fuzzer is one process on one core: HVPART_FUZZ_JOBS (default 2)
# at a time, results in the given order.
fuzz_jobs=${HVPART_FUZZ_JOBS:-2}; running=0
for fz in $fuzzers; do
  rm -f "$log_dir/$(basename "$fz").fuzz-result"
  if [ "$running" -ge "$fuzz_jobs" ]; then wait -n; running=$((running - 1)); fi
  fuzz_one "$fz" &
  running=$((running + 1))
done
wait
for fz in $fuzzers; do
  r="$log_dir/$(basename "$fz").fuzz-result"
  if [ -f "$r" ] && head -n 1 "$r" | grep -q '^ok '; then pass=$((pass + 1)); cat "$r";
  else fail=$((fail + 1)); if [ -f "$r" ]; then cat "$r"; else echo "FAIL fuzz $(basename "$fz"): no result"; fi; fi
done
[ -n "${HVPART_COUNTS:-}" ] && echo "$pass $fail" >> "$HVPART_COUNTS"
echo "host: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
