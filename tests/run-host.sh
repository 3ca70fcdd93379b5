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
for fz in $fuzzers; do
  name=$(basename "$fz"); log="$log_dir/$name.log"
  corpus="$log_dir/corpus-$name"; mkdir -p "$corpus"
  seeds=tests/fuzz/seeds/$name; [ -d "$seeds" ] || seeds=""
  timeout -k 10 $((fuzz_seconds + 60)) "$fz" -max_total_time="$fuzz_seconds" \
    -rss_limit_mb=2048 -timeout=10 "$corpus" $seeds >"$log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then pass=$((pass + 1)); echo "ok   fuzz $name ($fuzz_seconds s)";
  else fail=$((fail + 1)); echo "FAIL fuzz $name (exit $rc):"; tail -n 30 "$log"; fi
done
[ -n "${HVPART_COUNTS:-}" ] && echo "$pass $fail" >> "$HVPART_COUNTS"
echo "host: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
