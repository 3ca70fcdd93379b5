#!/usr/bin/python3
"""Virtual-CPU benchmark (issue 12), Bochs with clock sync=none (the TSC
counts instructions, so figures repeat exactly). Two xstate children
sleep and wake in turn, so hv switches their extended state. Prints:
  bench xsetbv_roundtrip: N ticks (target -)    XSETBV in a child, exit to resume
  bench xsetbv_bare: N ticks (target -)         the same instruction bare
  bench xstate_switch: N ticks (target -)       XSAVE + XRSTOR + XCR0 loads in hv
  bench partition_switch: N ticks (target -)    the whole switch, xstate included
  bench mmio_read: N ticks (target 3000)        an xAPIC TPR read with paging on:
                                                exit, walk, decode, emulate, resume
  bench mmio_read_bare: N ticks (target -)      the same read bare (Bochs's APIC)
  bench xapic_eoi: N ticks (target 1000)        an xAPIC EOI write, the same path
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "system"))
import hvtest  # noqa: E402

N = 1000
ARGS = "rounds=50 count=1000000 bench=%d" % N
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
g = os.path.join(hvtest.BUILD, "guests")
iso = hvtest.scenario_iso("bench-vcpu", [
    'New-VM -Name x1 -MemoryStartupBytes 8MB -Kernel xstate.elf -KernelArgs "seed=1 %s"' % ARGS,
    'New-VM -Name x2 -MemoryStartupBytes 8MB -Kernel xstate.elf -KernelArgs "seed=2 %s"' % ARGS,
    "Start-VM x1", "Start-VM x2", "Wait-VM x1 -Timeout 300", "Wait-VM x2 -Timeout 300",
    "Get-VMConsoleLog x1",
    'New-VM -Name xa -MemoryStartupBytes 8MB -Kernel xapic.elf -KernelArgs "bench=%d"' % N,
    "Start-VM xa", "Wait-VM xa -Timeout 300", "Get-VMConsoleLog xa",
    "Measure-VMHost -Iterations 10", "Stop-VMHost"],
    add=[os.path.join(g, "xstate.elf"), os.path.join(g, "xapic.elf")])
with hvtest.Machine(iso, name="bench-vcpu", watchdog=600, sync="none") as m:
    m.expect(r"Stopping the virtual machine host", 500)
    out = m.output()
assert "xstate: PASS" in out, out

bare_iso = hvtest.mkiso(os.path.join(hvtest.BUILD, "test-iso", "bench-vcpu-bare.iso"),
                        hv=os.path.join(g, "xstate-mb2.elf"), parent="none",
                        cmdline="rounds=0 bench=%d" % N)
with hvtest.Machine(bare_iso, name="bench-vcpu-bare", watchdog=300, sync="none") as m:
    m.expect(r"xstate: xsetbv_ticks=\d+", 250)
    bare = int(re.search(r"xstate: xsetbv_ticks=(\d+)", m.output()).group(1))

xapic_iso = hvtest.mkiso(os.path.join(hvtest.BUILD, "test-iso", "bench-vcpu-xapic-bare.iso"),
                         hv=os.path.join(g, "xapic-mb2.elf"), parent="none", cmdline="bench=%d" % N)
with hvtest.Machine(xapic_iso, name="bench-vcpu-xapic-bare", watchdog=300, sync="none") as m:
    m.expect(r"xapic: mmio_read_ticks=\d+", 250)
    xapic_bare = int(re.search(r"xapic: mmio_read_ticks=(\d+)", m.output()).group(1))

xsetbv = int(re.search(r"xstate: xsetbv_ticks=(\d+)", out).group(1))
xa = re.search(r"xapic: mmio_read_ticks=(\d+) eoi_ticks=(\d+)", out)
assert xa, out
xs = re.search(r"XStateSwitchTsc\s*:\s*(\d+) \((\d+) switches\)", out)
sw = int(re.search(r"PartitionSwitchTsc\s*:\s*(\d+)", out).group(1))
print("bench xsetbv_roundtrip: %d ticks (target -)" % xsetbv)
print("bench xsetbv_bare: %d ticks (target -)" % bare)
print("bench xstate_switch: %d ticks (target -; %d switches)" % (int(xs.group(1)), int(xs.group(2))))
print("bench partition_switch: %d ticks (target -)" % sw)
print("bench mmio_read: %d ticks (target 3000)" % int(xa.group(1)))
print("bench mmio_read_bare: %d ticks (target -)" % xapic_bare)
print("bench xapic_eoi: %d ticks (target 1000)" % int(xa.group(2)))
