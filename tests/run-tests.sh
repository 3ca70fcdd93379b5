#!/usr/bin/env bash
# What `make test` runs after building: host suite, then system suite, then totals.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: tests/run-tests.sh [--host-only | --system-only] [-- SYSTEM-ARGS...]
Runs the host suite (`make test-host`, unit tests and fuzzers, see
tests/run-host.sh) and then the system suite (tests/system/run.sh; arguments
after -- go to it, e.g. `-- --jobs 2 harness`) on Bochs VT-x, then, when no
arguments were given, the Bochs scenarios run HVPART_SYSTEM_JOBS (default 2)
at a time and the scenarios in SVM_SCENARIOS follow on QEMU TCG with the
SVM image (--platform qemu-svm), HVPART_SVM_JOBS (default 2) at a time,
then those in SVM_SOLO_SCENARIOS, one at a time. Each suite appends its
"passed failed" counts to a file named by HVPART_COUNTS; a suite that could
not run at all (build failure) counts as one failure. The very last line
printed is "N passed, N failed" (totals). Exit status 0 only if none failed.
  --host-only     skip the system suite
  --system-only   skip the host suite
  -h, --help      this help
USAGE
}

host=1; system=1; sys_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --host-only) system=0; shift ;;
    --system-only) host=0; shift ;;
    --) shift; sys_args=("$@"); break ;;
    *) echo "run-tests.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ "$host" = 1 ] || [ "$system" = 1 ] || { echo "run-tests.sh: --host-only and --system-only exclude each other" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mkdir -p build
counts=$(mktemp build/.test-counts.XXXXXX)
trap 'rm -f "$counts"' EXIT
export HVPART_COUNTS=$root/$counts

# run_suite NAME CMD...: runs CMD; if it added no counts line, that is one failure.
run_suite() {
  local name=$1; shift
  local before after rc
  before=$(wc -l < "$HVPART_COUNTS")
  set +e; "$@"; rc=$?; set -e
  after=$(wc -l < "$HVPART_COUNTS")
  if [ "$after" -eq "$before" ]; then
    echo "FAIL $name suite did not run (exit $rc)"
    echo "0 1" >> "$HVPART_COUNTS"
  fi
}

if [ "$host" = 1 ]; then
  echo "== host suite"
  run_suite host "${MAKE:-make}" --no-print-directory test-host
fi
# The scenarios that also run on QEMU TCG with SVM (issue 17), next to why
# the others do not:
#   console, children, synic, vmbus, vmbus_cycles, volume, config, atapi,
#   tour, smp  all of it (the timer case in children at 20 ms periods of
#              QEMU's TSC; the tour boots the SVM twin of the demo)
#   linux      all of it: both Linux children, disk, network, reboot, panic
#   faults     all of it (the UEFI case boots the SVM image to the parent
#              under OVMF; the others as on VT-x)
#   vcpu       the children's checks; the bare-Bochs oracles of Bochs's own
#              CPU only on VT-x, but the xapic one whose output the child's
#              must match; QEMU's XSETBV, which never exits, is the one
#              expected difference (docs/ARCHITECTURE.md, "The SVM backend")
#   console_input  all of it on a terminal (QEMU's host tty back end on a
#              pty, since 2026-12-07) but Bochs's own log of UART overruns
#   clock      all but the check of Bochs's own RTC log: its emulated hour
#              runs under QEMU's -icount (tools/run-qemu --icount), about
#              40 s, since the idle boot processor halts (2026-12-07)
#   boot_errors, ahci, harness   pick their own emulators and CPU models
#   crash      passes on QEMU SVM too (13 s); on Bochs only, for the CI budget
SVM_SCENARIOS=${SVM_SCENARIOS:-console. synic. vmbus volume. linux. faults. config. atapi. tour. vcpu. clock. console_input.}
SVM_SOLO_SCENARIOS=${SVM_SOLO_SCENARIOS:-children. smp.}
# And on Bochs's ryzen (the SVM image on Bochs), the console alone, about
# 10 s: its V_IRQ defect stopped the parent at boot for three days
# unseen (docs/ARCHITECTURE.md, "Bochs 2.7's ryzen loses..."); the
# other scenarios still meet its interrupt losses there.
SVM_BOCHS_SCENARIOS=${SVM_BOCHS_SCENARIOS:-console.}
if [ "$system" = 1 ]; then
  # Bochs is one thread and keeps time by instructions (clock sync=none),
  # so two scenarios at once, one per core, take half the time and see
  # the same guest time; test_linux, the longest, starts first (its own
  # watchdog) and the rest share the other core. QEMU keeps time by the
  # host's clock; two at a time as well took its suite from 19 to 13
  # minutes. Two scenarios run alone after the others: test_smp gives
  # QEMU two and four threads, and test_children times a LAPIC timer's
  # periods to a jitter bound, which a second QEMU beside it broke once
  # here (a period of 71 M ticks for 40 M, then one of 8 M).
  if [ ${#sys_args[@]} -eq 0 ]; then
    echo "== system suite (Bochs, VT-x), ${HVPART_SYSTEM_JOBS:-2} at a time"
    run_suite system tests/system/run.sh --jobs "${HVPART_SYSTEM_JOBS:-2}"
  else
    echo "== system suite (Bochs, VT-x)"
    run_suite system tests/system/run.sh "${sys_args[@]}"
  fi
  if [ ${#sys_args[@]} -eq 0 ] && [ -n "$SVM_SCENARIOS" ]; then
    echo "== system suite (QEMU TCG, SVM): $SVM_SCENARIOS"
    # shellcheck disable=SC2086  # a list of names
    run_suite system-svm tests/system/run.sh --platform qemu-svm --jobs "${HVPART_SVM_JOBS:-2}" $SVM_SCENARIOS
  fi
  if [ ${#sys_args[@]} -eq 0 ] && [ -n "$SVM_SOLO_SCENARIOS" ]; then
    echo "== system suite (QEMU TCG, SVM), alone: $SVM_SOLO_SCENARIOS"
    # shellcheck disable=SC2086  # a list of names
    run_suite system-svm-solo tests/system/run.sh --platform qemu-svm $SVM_SOLO_SCENARIOS
  fi
  if [ ${#sys_args[@]} -eq 0 ] && [ -n "$SVM_BOCHS_SCENARIOS" ]; then
    echo "== system suite (Bochs ryzen, SVM): $SVM_BOCHS_SCENARIOS"
    # shellcheck disable=SC2086  # a list of names
    run_suite system-bochs-svm tests/system/run.sh --platform bochs-svm $SVM_BOCHS_SCENARIOS
  fi
fi

pass=0; fail=0
while read -r p f; do pass=$((pass + p)); fail=$((fail + f)); done < "$HVPART_COUNTS"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
