#!/usr/bin/python3
"""Checkpoint-VM of a running child (issue 19), Bochs with clock
sync=none (the TSC counts instructions). A counter guest (sweep=256: it
writes one page of 256 a turn, so the capture keeps pages before the
guest's writes all along) runs in a 32 MiB and then a 256 MiB child; each
is checkpointed while it runs, with an IDE disk it checks and writes at
every 8th line (disk=1), which the checkpoint moves onto an AVHD. Prints:
  bench checkpoint_pause_32MiB: N ticks (target <= 5000000)
  bench checkpoint_pause_256MiB: N ticks (target <= 5000000)
  bench checkpoint_pause_ratio_256_32: R (target: independent of memory size)
  bench checkpoint_guest_rate_256MiB: P % (target >= 50: at most 2x slower
      while the memory is copied)
  bench checkpoint_guest_rate_after_256MiB: P % (target 100: back to full
      speed after the copy)
The pause is hv's (Get-VMHostLog "memory capture ended: paused N ticks":
from SuspendPartition to ResumePartition). The guest's rate is its count
per timer period over the lines it printed while Checkpoint-VM ran, and
over a 4 s sleep after it, against a 4 s sleep before. Each window starts
with a Get-VMConsoleLog, whose printing takes the guest's CPU: the guest
prints a line every 25 periods so that the log, and that cost, stay small
(at every 5 periods its 64 KiB ring filled and the prints alone made the
rate after the copy read 77-80 %).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "system"))
import hvtest  # noqa: E402

COUNT = 200000       # TSC ticks per timer period
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
d = os.path.join(hvtest.BUILD, "test-scratch", "bench-checkpoint")
os.makedirs(d, exist_ok=True)
vol = hvtest.guest_volume(d, ["counter.elf"], "640M")
iso = hvtest.scenario_iso("bench-checkpoint")
LINE = re.compile(r"counter: tick (\d+) count (\d+) gap \d+\r")


def lines(m, name):
    return [(int(t), int(c)) for t, c in LINE.findall(m.command("Get-VMConsoleLog %s" % name, timeout=120))]


def rate(ls):
    """Count per timer period between the first and last of ls."""
    (t0, c0), (t1, c1) = ls[0], ls[-1]
    return (c1 - c0) / (t1 - t0) if t1 > t0 else None


results = {}
with hvtest.Machine(iso, name="bench-checkpoint", disks=[vol], megs=512, watchdog=1500,
                    sync="none") as m:
    m.expect(hvtest.PROMPT, 300)
    for mib in (32, 256):
        name = "c%d" % mib
        m.command('New-VM -Name %s -MemoryStartupBytes %dMB -Kernel C:\\guests\\counter.elf '
                  '-KernelArgs "count=%d every=25 sweep=256 disk=1"' % (name, mib, COUNT), timeout=120)
        # with its IDE disk, which the checkpoint moves onto an AVHD
        m.command("New-VHD -Path C:\\%s.vhd -SizeBytes 64MB -Dynamic" % name, timeout=120)
        m.command("Add-VMHardDiskDrive -VMName %s -ControllerType IDE -ControllerNumber 0 "
                  "-ControllerLocation 0 -Path C:\\%s.vhd" % (name, name), timeout=120)
        m.command("Start-VM %s" % name, timeout=300)
        before = []
        while len(before) < 4:
            m.command("Start-Sleep 1", timeout=60)
            before = lines(m, name)
        # the same window before and after: a sleep, then one log read
        m.command("Start-Sleep 4", timeout=120)
        b1 = lines(m, name)
        base_win = b1[len(before) - 1:]
        out = m.command("Checkpoint-VM -VMName %s -SnapshotName s" % name, timeout=900)
        if "Checkpoint-VM :" in out:
            print("bench checkpoint_pause_%dMiB: FAILED (%s)" % (mib, out.strip()[-300:]))
            sys.exit(1)
        after = lines(m, name)
        during = after[len(b1) - 1:]
        m.command("Start-Sleep 4", timeout=120)
        later = lines(m, name)[len(after) - 1:]
        log = m.command("Get-VMHostLog", timeout=120)
        cap = re.findall(r"\(%s\): memory capture ended: paused (\d+) ticks; (\d+) pages taken, "
                         r"(\d+) kept before the guest's writes" % name, log)
        if len(cap) != 1:
            print("bench checkpoint_pause_%dMiB: FAILED (no capture line in Get-VMHostLog)" % mib)
            sys.exit(1)
        results[mib] = (int(cap[0][0]), rate(base_win), rate(during) if len(during) > 1 else None,
                        int(cap[0][1]), int(cap[0][2]), rate(later) if len(later) > 1 else None)
        m.command("Stop-VM %s -TurnOff" % name, timeout=120)
        m.command("Remove-VM %s -Force" % name, timeout=300)

ok = True
for mib in (32, 256):
    pause, base, dur, taken, kept, _ = results[mib]
    ok &= pause <= 5000000
    print("bench checkpoint_pause_%dMiB: %d ticks (target <= 5000000; %d pages taken, %d kept "
          "before the guest's writes)" % (mib, pause, taken, kept))
print("bench checkpoint_pause_ratio_256_32: %.2f (target: independent of memory size)"
      % (results[256][0] / results[32][0]))
pause, base, dur, taken, kept, post = results[256]
if base and dur:
    pct = 100.0 * dur / base
    ok &= pct >= 50.0
    print("bench checkpoint_guest_rate_256MiB: %.1f %% (target >= 50: at most 2x slower while "
          "the memory is copied)" % pct)
else:
    print("bench checkpoint_guest_rate_256MiB: not measured (the guest printed no line while "
          "Checkpoint-VM ran)")
if base and post:
    print("bench checkpoint_guest_rate_after_256MiB: %.1f %% (target 100: back to full speed "
          "after the copy)" % (100.0 * post / base))
sys.exit(0 if ok else 1)
