#!/usr/bin/python3
"""Child-partition benchmark (issue 3), Bochs with clock sync=none (the TSC
counts instructions, so figures repeat exactly). Prints:
  bench start_vm_to_first_instruction: N ticks (target -)
  bench partition_switch: N ticks (target -)
  bench child_overhead_32MiB: N bytes (target <= 64 KiB + 0.2%)
  bench child_overhead_128MiB: N bytes (target <= 64 KiB + 0.2%)
  bench child_loop_vs_bare: P % (target >= 98)
With HVPART_PLATFORM=qemu-svm (tests/bench/children/bench_children_svm.sh,
issue 17) the same on the SVM image under QEMU TCG with -icount
(tools/run-qemu --icount, which hvtest asks for with sync="none"): its TSC
counts instructions too, one a nanosecond, so the runs repeat whatever
the host's load (on its wall clock they had varied by up to a factor of
two). The loop runs ten times longer there (1 s of its clock, 100 of the
parent's PIT ticks); only the loop figure is printed, with a _qemu_svm
suffix. QEMU's world switch is one instruction in that count, so the
figure is hv's own cost; hardware adds its VMRUN and #VMEXIT.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "system"))
import hvtest  # noqa: E402

QEMU = hvtest.PLATFORM == "qemu-svm"
LOOPS = 200000000 if QEMU else 20000000
RUNS = 1
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
g = os.path.join(hvtest.BUILD, "guests")
loop_runs = []
for k in range(RUNS):
    loop_runs += ['New-VM -Name b%d -MemoryStartupBytes 32MB -Kernel bench.elf -KernelArgs "loops=%d"'
                  % (k, LOOPS), "Start-VM b%d" % k, "Wait-VM b%d -Timeout 300" % k,
                  "Get-VMConsoleLog b%d" % k, "Get-VM b%d" % k]
iso = hvtest.scenario_iso("bench-children", loop_runs + [
    'New-VM -Name big -MemoryStartupBytes 128MB -Kernel spin.elf',
    "Start-VM big", "Get-VM big", "Stop-VM big -TurnOff",
    "Measure-VMHost -Iterations 10", "Stop-VMHost"], add=[os.path.join(g, "bench.elf"),
                                                      os.path.join(g, "spin.elf")])
with hvtest.Machine(iso, name="bench-children", watchdog=600, sync="none") as m:
    m.expect(r"Stopping the virtual machine host", 500)
    out = m.output()

entry = int(re.search(r"bench: entry_tsc=(\d+)", out).group(1))
child_loop = min(int(x) for x in re.findall(r"bench: loop_ticks=(\d+)", out))
start = int(re.search(r"StartTsc\s+: (\d+)", out).group(1))
overheads = [int(x) for x in re.findall(r"HvOverheadBytes\s+: (\d+)", out)]
switch = int(re.search(r"PartitionSwitchTsc\s+: (\d+)", out).group(1))

bare_iso = hvtest.mkiso(os.path.join(hvtest.BUILD, "test-iso", "bench-bare.iso"),
                        hv=os.path.join(g, "bench-mb2.elf"), parent="none",
                        cmdline="loops=%d" % LOOPS)
bare_loop = None
for k in range(RUNS):
    with hvtest.Machine(bare_iso, name="bench-bare", watchdog=300, sync="none") as m:
        m.expect(r"bench: loop_ticks=\d+ ", 250)
        t = int(re.search(r"bench: loop_ticks=(\d+)", m.output()).group(1))
        bare_loop = t if bare_loop is None else min(bare_loop, t)

ok = True
ratio = 100.0 * bare_loop / child_loop
ok &= ratio >= 98.0
if QEMU:
    print("bench child_loop_vs_bare_qemu_svm: %.2f %% (target >= 98; QEMU -icount: %d bare, %d in a child)"
          % (ratio, bare_loop, child_loop))
    sys.exit(0 if ok else 1)
print("bench start_vm_to_first_instruction: %d ticks (target -)" % (entry - start))
print("bench partition_switch: %d ticks (target -)" % switch)
for mib, ov in zip((32, 128), overheads):
    target = 64 * 1024 + mib * 1024 * 1024 * 2 // 1000
    ok &= ov <= target
    print("bench child_overhead_%dMiB: %d bytes (target <= %d)" % (mib, ov, target))
print("bench child_loop_vs_bare: %.2f %% (target >= 98; %d bare, %d in a child)"
      % (ratio, bare_loop, child_loop))
sys.exit(0 if ok else 1)
