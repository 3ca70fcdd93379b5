#!/usr/bin/python3
"""storvsp over the wire (issue 15's last benchmark line): exits and VMBus
signals per 4 KiB request. Bochs with clock sync=none (the TSC counts
instructions, so figures repeat). The stortest guest (mode=bench) reads
4 KiB at a time from its SCSI VHD through the parent's storvsp, once with
one request outstanding and once with 32, and counts its HvSignalEvents
to the host and the host's signals that interrupt it (SINT 2). Exits per
request: Get-VM's exit count of a VM that ran the reads, less that of
one that booted and initialised the same way and read nothing. Prints, for 32 outstanding (refilled when half have completed) and for
one at a time:
  bench storvsc_4k_signals_to_guest_qd32: S per request (target <= 1)
  bench storvsc_4k_signals_to_host_qd32: S per request (report only)
  bench storvsc_4k_exits_qd32: E per request (report only)
  ... and the same for qd1 (report only).
The target is interrupt coalescing: the host's signals that reach the
guest, under load, at most one a request.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "system"))
import hvtest  # noqa: E402

N = {"qd1": 128, "qd32": 1024}
B = hvtest.BUILD
D = os.path.join(B, "bench-storvsc")
hvtest.run_tool(["make", "--no-print-directory", "build/guests/stortest.elf"], "building stortest")
vol = hvtest.guest_volume(D, ["stortest.elf"], "32M")
iso = hvtest.scenario_iso("bench-storvsc")


def run(m, name, args):
    m.command('New-VM -Name %s -MemoryStartupBytes 8MB -Kernel C:\\guests\\stortest.elf '
              '-KernelArgs "mode=bench %s"' % (name, args))
    m.command("Add-VMHardDiskDrive -VMName %s -ControllerType SCSI -Path C:\\%s.vhd" % (name, name))
    m.command("Start-VM %s" % name)
    m.command("Wait-VM %s -Timeout 300" % name, timeout=330)
    log = m.command("Get-VMConsoleLog %s" % name)
    exits = re.search(r"ExitsTotal\s+: (\d+)", m.command("Get-VM %s" % name))
    m.command("Remove-VM %s" % name)
    return log, int(exits.group(1)) if exits else None


with hvtest.Machine(iso, name="bench-storvsc", disks=[vol], watchdog=900, sync="none") as m:
    m.expect(hvtest.PROMPT, 180)
    for n in ("z", "a", "b"):
        m.command("New-VHD -Path C:\\%s.vhd -SizeBytes 4MB -Dynamic" % n)
    base = run(m, "z", "")
    runs = {"qd1": run(m, "a", "qd1=%d" % N["qd1"]), "qd32": run(m, "b", "qd32=%d" % N["qd32"])}

ok = base[1] is not None and "stortest: PASS" in base[0]
if not ok:
    print("bench storvsc_4k: FAILED (the run without reads: %s)" % base[0][-400:])
for qd in ("qd32", "qd1"):
    log, exits = runs[qd]
    r = re.search(r"stortest: bench %s requests=(\d+) done=(\d+) ticks=(\d+) signals_out=(\d+) "
                  r"irqs_in=(\d+)" % qd, log)
    if not r or int(r.group(2)) != N[qd] or "stortest: PASS" not in log or exits is None or \
            base[1] is None:
        print("bench storvsc_4k_%s: FAILED (%s)" % (qd, r.group(0) if r else log[-400:]))
        ok = False
        continue
    n = N[qd]
    to_guest, to_host = int(r.group(5)) / n, int(r.group(4)) / n
    target = "target <= 1" if qd == "qd32" else "report only"
    print("bench storvsc_4k_signals_to_guest_%s: %.2f per request (%s; %d ticks a request)"
          % (qd, to_guest, target, int(r.group(3)) // n))
    print("bench storvsc_4k_signals_to_host_%s: %.2f per request (report only)" % (qd, to_host))
    print("bench storvsc_4k_exits_%s: %.2f per request (report only; %d exits less %d without reads)"
          % (qd, (exits - base[1]) / n, exits, base[1]))
    if qd == "qd32":
        ok &= to_guest <= 1
sys.exit(0 if ok else 1)
