#!/usr/bin/env bash
# Runs the system scenarios tests/system/test_*.py, each under a watchdog.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: tests/system/run.sh [--platform P] [--jobs N] [--watchdog S] [NAME...]
Runs every tests/system/test_*.py (or only those whose file name contains one
of the NAMEs) with /usr/bin/python3 under `timeout`, prints their TAP lines,
and ends with "system: N passed, N failed". A scenario that exits non-zero
without a "not ok" line, is killed by the watchdog, or reports nothing counts
as one failure. Appends "passed failed" to the file $HVPART_COUNTS when set.
Logs: build/test-logs/system/ (HVPART_LOGS overrides build/test-logs).
  --platform P  bochs-vmx (default; Bochs VT-x, build/hv.elf), qemu-svm
                (QEMU TCG with SVM, build/hv-svm.elf) or bochs-svm (Bochs
                ryzen); sets HVPART_PLATFORM for tests/system/hvtest.py
  --jobs N      run N scenarios at once (default 1; output is then shown per
                scenario when it ends; those with a longer own watchdog start
                first, so the longest one overlaps all the rest)
  --watchdog S  seconds per scenario (default $HVPART_SYSTEM_WATCHDOG or 900;
                a scenario whose first lines say "# run.sh watchdog: S" gets
                that instead, unless --watchdog was given)
  -h, --help    this help
Exit status 0 only when nothing failed.
USAGE
}

jobs=1; watchdog=${HVPART_SYSTEM_WATCHDOG:-900}; watchdog_given=0; names=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --platform) [ $# -ge 2 ] && [[ $2 =~ ^(bochs-vmx|qemu-svm|bochs-svm)$ ]] || { echo "run.sh: --platform needs bochs-vmx, qemu-svm or bochs-svm" >&2; exit 2; }
                export HVPART_PLATFORM=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --jobs needs a positive number" >&2; exit 2; }
            jobs=$2; shift 2 ;;
    --watchdog) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --watchdog needs seconds" >&2; exit 2; }
                watchdog=$2; watchdog_given=1; shift 2 ;;
    -*) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
log_dir=${HVPART_LOGS:-build/test-logs}/system
mkdir -p "$log_dir"

scenarios=()
for t in tests/system/test_*.py; do
  [ -e "$t" ] || continue
  if [ ${#names[@]} -gt 0 ]; then
    keep=0; for n in "${names[@]}"; do case "$(basename "$t")" in *"$n"*) keep=1 ;; esac; done
    [ "$keep" = 1 ] || continue
  fi
  scenarios+=("$t")
done
if [ ${#scenarios[@]} -eq 0 ]; then
  echo "run.sh: no scenarios match${names[*]:+ ${names[*]}}" >&2
  [ -n "${HVPART_COUNTS:-}" ] && echo "0 1" >> "$HVPART_COUNTS"
  echo "system: 0 passed, 1 failed"; exit 1
fi

# watchdog_of SCENARIO: its seconds, from its "# run.sh watchdog: S" line
# (a scenario that boots Linux guests is long by nature, not hung) or the
# default.
watchdog_of() {
  local own
  own=$(head -n 20 "$1" | sed -n 's/^# run\.sh watchdog: \([1-9][0-9]*\)$/\1/p' | head -n 1)
  if [ "$watchdog_given" = 0 ] && [ -n "$own" ]; then echo "$own"; else echo "$watchdog"; fi
}

# With jobs, the scenarios with the longest watchdogs start first (stable);
# results are listed in name order all the same.
order=("${scenarios[@]}")
if [ "$jobs" -gt 1 ]; then
  mapfile -t order < <(for t in "${scenarios[@]}"; do echo "$(watchdog_of "$t") $t"; done |
                         sort -s -k1,1nr | cut -d' ' -f2-)
fi

# run_one SCENARIO: runs it, writes NAME.tap and NAME.result ("pass fail").
run_one() {
  local t=$1 name tap rc p f t0 secs wd
  name=$(basename "$t" .py); tap=$log_dir/$name.tap; t0=$SECONDS; wd=$(watchdog_of "$t")
  if [ "$jobs" = 1 ]; then
    set +e
    timeout -k 10 "$wd" /usr/bin/python3 -u "$t" 2>&1 | tee "$tap"
    rc=${PIPESTATUS[0]}
    set -e
  else
    set +e
    timeout -k 10 "$wd" /usr/bin/python3 -u "$t" > "$tap" 2>&1
    rc=$?
    set -e
  fi
  secs=$((SECONDS - t0))
  p=$(grep -c '^ok ' "$tap" || true); f=$(grep -c '^not ok ' "$tap" || true)
  local why=""
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then why="killed by the ${wd}s watchdog"; f=$((f + 1))
  elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then why="exit $rc without a failing test"; f=1
  elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then why="reported no tests"; f=1
  fi
  {
    [ "$jobs" = 1 ] || cat "$tap"
    if [ "$f" -gt 0 ]; then
      echo "FAIL $name: $p passed, $f failed${why:+ ($why)}; log $tap (${secs} s)"
      [ -z "$why" ] || tail -n 20 "$tap" | sed 's/^/#   /'
    else
      echo "ok   $name: $p passed (${secs} s)"
    fi
  } > "$log_dir/$name.summary"
  echo "$p $f" > "$log_dir/$name.result"
}

for t in "${scenarios[@]}"; do rm -f "$log_dir/$(basename "$t" .py).result"; done
if [ "$jobs" = 1 ]; then
  for t in "${scenarios[@]}"; do
    run_one "$t"; cat "$log_dir/$(basename "$t" .py).summary"
  done
else
  running=0
  for t in "${order[@]}"; do
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
    run_one "$t" &
    running=$((running + 1))
  done
  wait || true
  for t in "${scenarios[@]}"; do cat "$log_dir/$(basename "$t" .py).summary"; done
fi

pass=0; fail=0
for t in "${scenarios[@]}"; do
  r=$log_dir/$(basename "$t" .py).result
  if [ -f "$r" ]; then read -r p f < "$r"; else p=0; f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
done
[ -n "${HVPART_COUNTS:-}" ] && echo "$pass $fail" >> "$HVPART_COUNTS"
echo "system: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
