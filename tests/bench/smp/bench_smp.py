#!/usr/bin/python3
"""Processors (issue 18), in guest ticks: Bochs with three processors (the
parent's and two application processors for children) and clock sync=none.
Bochs runs every processor the same number of instructions per tick, so a
child on a processor of its own counts as many ticks as one alone on the
machine, and the TSC, one for all processors, counts instructions: the
figures repeat. COM1 is a pseudo-terminal and Bochs's serial debug log
stamps each byte in and out with the tick (keylat.py), as bench_console.py
does on one processor. Prints:
  bench smp_two_children_throughput: R x (target >= 1.9)
      two CPU-bound one-vCPU children (bench.elf's loop) started together,
      loops per tick of both against one child alone
  bench smp_ipi_cross_cpu: N ticks (target -)
      a two-vCPU child (smp.elf) with its vCPUs on two processors: a fixed
      IPI from its BSP until the BSP sees the AP's handler count it,
      the mean of 1000
  bench smp_ipi_woken_beside_spinners: N ticks (target -)
      the same child with two spinners on each application processor:
      an IPI from its AP to its BSP halted beside two spinners, until the
      AP sees the BSP's handler count it, the mean of 100
  bench smp_parent_signal_idle: N ticks (target -)
  bench smp_parent_signal_spinners: N ticks (target -)
      the parent's own processors (one on each application processor):
      HvSignalEvent from its first to a port targeting another, until the
      first sees that one's SINT handler count it (Debug-VMHost
      ParentProcessors: 20 round trips each, the mean over the processors), with no child,
      then with a child spinning with interrupts off on every one
  bench smp_console_echo_idle: N ticks (target -)
  bench smp_console_echo_spinners: N ticks (target <= 2x idle)
      a key entering the UART to its echo leaving it (median of 40), with
      no child, then with a child spinning with interrupts off on every
      application processor
"""
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "system"))
sys.path.insert(0, os.path.join(HERE, "..", "console"))
import hvtest  # noqa: E402
import keylat  # noqa: E402

CPUS = 3
LOOPS = 20000000
KEYS = 40
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
g = os.path.join(hvtest.BUILD, "guests")
iso = hvtest.scenario_iso("bench-smp", add=[os.path.join(g, n) for n in ("bench.elf", "spin.elf", "smp.elf")])


vp_cpus = hvtest.vp_cpus


def loop_ticks(m, name):
    out = m.command("Wait-VM %s -Timeout 900" % name, timeout=960)
    assert "Wait-VM :" not in out, out
    got = re.search(r"bench: loop_ticks=(\d+)", m.command("Get-VMConsoleLog %s" % name))
    assert got, name
    return int(got.group(1))


def bench_vm(m, name):
    m.command('New-VM -Name %s -MemoryStartupBytes 8MB -Kernel bench.elf -KernelArgs "loops=%d"'
              % (name, LOOPS))


def throughput(m):
    """One child alone, then two started together: (ratio, cpus of the two)."""
    bench_vm(m, "alone")
    m.command("Start-VM alone")
    alone = loop_ticks(m, "alone")
    bench_vm(m, "b1")
    bench_vm(m, "b2")
    m.command("Start-VM b1")
    m.command("Start-VM b2")
    where = vp_cpus(m, "b1") + vp_cpus(m, "b2")
    t1, t2 = loop_ticks(m, "b1"), loop_ticks(m, "b2")
    print("# one child's loop: %d ticks alone; two at once: %d and %d ticks (CPUs %s)"
          % (alone, t1, t2, where))
    for n in ("alone", "b1", "b2"):
        m.command("Remove-VM %s" % n)
    return alone / t1 + alone / t2, where


def smp_log(m, name, rounds):
    """A two-vCPU smp.elf child counting rounds IPIs of each kind, run to
    its end: (its console log, the CPUs of its vCPUs)."""
    m.command('New-VM -Name %s -MemoryStartupBytes 8MB -Kernel smp.elf -ProcessorCount 2 '
              '-KernelArgs "cpus=2 mode=x2apic rounds=%d count=1000"' % (name, rounds))
    m.command("Start-VM %s" % name)
    where = vp_cpus(m, name)
    m.command("Wait-VM %s -Timeout 900" % name, timeout=960)
    log = m.command("Get-VMConsoleLog %s" % name)
    assert "smp: PASS" in log, log[-2000:]
    return log, where


def ipi_latency(m):
    log, where = smp_log(m, "mp", 1000)
    got = re.search(r"smp: ipi bsp->cpu1 (\d+) round trips in (\d+) TSC ticks", log)
    assert got, log[-2000:]
    m.command("Remove-VM mp")
    return int(got.group(2)) // int(got.group(1)), where


def ipi_woken(m):
    """Two spinners on each AP, then the IPI child (its vCPUs on two APs):
    (mean ticks of an AP->BSP IPI, the child's CPUs)."""
    names = ["w%d" % i for i in range(2 * (CPUS - 1))]
    for n in names:
        m.command("New-VM -Name %s -MemoryStartupBytes 4MB -Kernel spin.elf" % n)
        m.command("Start-VM %s" % n)
    log, where = smp_log(m, "mpw", 100)
    got = re.search(r"smp: ipi cpu1->bsp (\d+) of \d+ in (\d+) TSC ticks", log)
    assert got, log[-2000:]
    for n in names + ["mpw"]:
        m.command("Stop-VM %s -TurnOff" % n)
        m.command("Remove-VM %s" % n)
    return int(got.group(2)) // int(got.group(1)), where


def parent_signal(m):
    """The mean of HypercallValidation's signal round trips to the
    parent's other processors, over them."""
    out = m.command("Debug-VMHost ParentProcessors", timeout=600)
    assert re.search(r"ParentProcessors: \d+ checks, 0 failed", out), out
    means = [int(x) for x in re.findall(r"processor \d+: signal to its interrupt \d+ ticks \(best\), (\d+)", out)]
    assert len(means) == CPUS - 1, out
    return sum(means) // len(means)


with hvtest.Machine(iso, name="bench-smp", watchdog=1800, sync="none", serial="pty",
                    extra=["--cpus", str(CPUS), "--debug-log", "serial"]) as m:
    m.expect(hvtest.PROMPT, 180)
    keylat.type_keys(m, "idle", KEYS)
    m.expect(hvtest.PROMPT, 30)
    ratio, tp_cpus = throughput(m)
    ipi, ipi_cpus = ipi_latency(m)
    woken, woken_cpus = ipi_woken(m)
    sig_idle = parent_signal(m)
    for i in range(CPUS - 1):
        m.command("New-VM -Name s%d -MemoryStartupBytes 4MB -Kernel spin.elf" % i)
        m.command("Start-VM s%d" % i)
    spin_cpus = sum((vp_cpus(m, "s%d" % i) for i in range(CPUS - 1)), [])
    sig_busy = parent_signal(m)
    keylat.type_keys(m, "busy", KEYS)
    m.expect(hvtest.PROMPT, 60)

events = list(keylat.serial_events(m.emu_log))
idle = statistics.median(keylat.round_trips(events, "idle", KEYS))
busy = statistics.median(keylat.round_trips(events, "busy", KEYS))
apart = len(set(tp_cpus)) == 2 and len(set(ipi_cpus)) == 2 and len(set(spin_cpus)) == CPUS - 1
ok = ratio >= 1.9 and busy <= 2 * idle and apart
print("# children's CPUs: the two loops %s, the IPI child %s, the spinners %s"
      % (tp_cpus, ipi_cpus, spin_cpus))
print("bench smp_two_children_throughput: %.2f x (target >= 1.9; %d processors)" % (ratio, CPUS))
print("bench smp_ipi_cross_cpu: %d ticks (target -; mean of 1000, vCPUs on CPUs %s)" % (ipi, ipi_cpus))
print("bench smp_ipi_woken_beside_spinners: %d ticks (target -; mean of 100, AP to BSP, vCPUs on CPUs %s, "
      "two spinners on each)" % (woken, woken_cpus))
print("bench smp_parent_signal_idle: %d ticks (target -; mean of 20 to each of %d processors)"
      % (sig_idle, CPUS - 1))
print("bench smp_parent_signal_spinners: %d ticks (target -; the same, a spinner on each of CPUs %s)"
      % (sig_busy, spin_cpus))
print("bench smp_console_echo_idle: %d ticks (target -; median of %d keys)" % (idle, KEYS))
print("bench smp_console_echo_spinners: %d ticks (target <= %d, 2x idle; a spinner on each of CPUs %s)"
      % (busy, 2 * idle, spin_cpus))
sys.exit(0 if ok else 1)
