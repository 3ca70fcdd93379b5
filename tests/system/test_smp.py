#!/usr/bin/python3
"""hv on several physical processors (issue 18, first step): hv reads the
firmware's MADT, starts every other processor with INIT-SIPI-SIPI and
brings each into VMX (or SVM) root operation, then parks it; the parent
and the children still run on the boot processor.

Two machines (Bochs VT-x with `cpu: count=2` and `count=4`; on QEMU SVM
`-smp 2` and `-smp 4`). On each the user sees, with the same cmdlets as on
one processor: Get-VMHost's LogicalProcessorCount and LogicalProcessorsFound;
hv's log (Get-VMHostLog) naming how many processors started; and children,
one spinning with interrupts off and a two-vCPU one counting its IPIs
exactly, running while the console answers. The parked processors must not
disturb the boot processor's work.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
B = hvtest.BUILD
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
g = os.path.join(B, "guests")
iso = hvtest.scenario_iso("smp", add=[os.path.join(g, n) for n in ("spin.elf", "hello.elf", "smp.elf")])


def host_counts(m):
    out = m.command("Get-VMHost")
    n = re.search(r"LogicalProcessorCount\s+: (\d+)", out)
    f = re.search(r"LogicalProcessorsFound\s+: (\d+)", out)
    assert n and f, out
    return int(n.group(1)), int(f.group(1))


def children_run(m, cpus):
    """A spinner with interrupts off beside a two-vCPU child that counts
    its IPIs; the console answers throughout."""
    m.command("New-VM -Name spin -MemoryStartupBytes 4MB -Kernel spin.elf")
    m.command("Start-VM spin")
    out = m.command('New-VM -Name mp -MemoryStartupBytes 8MB -Kernel smp.elf -ProcessorCount 2 '
                    '-KernelArgs "cpus=2 mode=xapic rounds=20 count=200"')
    assert re.search(r"mp\s+Off\s", out), out
    m.command("Start-VM mp")
    wait = m.command("Wait-VM mp -Timeout 300", timeout=330)
    log = m.command("Get-VMConsoleLog mp")
    assert "exit code 0" in wait, (wait, log)
    assert "smp: PASS" in log, log
    assert "smp: ipi cpu1->bsp 20 of 20" in log and "smp: atomic total 400 of 400" in log, log
    out = m.command("Get-VM spin")
    assert re.search(r"spin\s+Running", out), out
    m.command("Stop-VM spin -TurnOff")
    n, f = host_counts(m)
    assert (n, f) == (cpus, cpus), (n, f)


for cpus in (2, 4):
    extra = ["--cpus", str(cpus)]
    with hvtest.Machine(iso, name="smp%d" % cpus, watchdog=600, extra=extra) as m:
        m.expect(hvtest.PROMPT, 120)
        with tap.case("%d processors: hv starts every one (its log), Get-VMHost counts %d" % (cpus, cpus)):
            log = m.command("Get-VMHostLog")
            assert "hv: %d of %d processors started" % (cpus, cpus) in log, log
            assert "did not start" not in log and "left out" not in log, log
            assert host_counts(m) == (cpus, cpus)

        with tap.case("%d processors: a spinner with interrupts off and a two-vCPU child counting IPIs "
                      "run on the boot processor; the console answers" % cpus):
            children_run(m, cpus)

tap.done()
