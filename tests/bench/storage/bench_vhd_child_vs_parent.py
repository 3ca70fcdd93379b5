#!/usr/bin/python3
"""A child's disk against the parent's own access (issue 15's first two
Performance rows). Bochs with clock sync=none: the TSC counts
instructions, the parent's and a child's alike, so figures repeat.

One dynamic VHD on C:, every block written first (so that both sides read
data, not holes). The parent's Measure-VHD opens it as a child's disk is
opened (the storage stack storvsp uses) and times, one request at a time:
N random 4 KiB reads and N writes (storage/bench_pattern.h, seed S), and
M sequential 1 MiB reads, with as many 1 MiB reads of the raw disk under
C:. Then the stortest guest (mode=bench) issues the same requests, same
generator, seed, count and sizes, one at a time, over VMBus to storvsp on
the same VHD, one VM per pattern. Prints:
  bench vhd_child_rand4k_read_vs_parent: P % (target >= 80 %)
  bench vhd_child_rand4k_write_vs_parent: P % (target >= 80 %)
  bench vhd_child_seq1m_read_vs_parent_raw: P % (target >= 70 %)
where P is the parent's ticks per request over the child's; and, for each
child run, its ticks, the VMBus signals both ways and its exits per
request (Get-VM's count less that of a VM that booted the same way and
ran no request), to show where the child's ticks go. HVPART_TRACE=1 runs it on
build/hv-trace.elf (`make trace`) and prints tools/trace-report's account
of hv's time by exit reason and hypercall (docs/benchmarks.md,
"Profiling"); tracing adds ticks, so its figures are not the bench's.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "system"))
import hvtest  # noqa: E402

N, M, SEED, VHD_MB = 256, 32, 7, 32
B = hvtest.BUILD
D = os.path.join(B, "bench-vhd-cvp")
hvtest.run_tool(["make", "--no-print-directory", "build/guests/stortest.elf"], "building stortest")
vol = hvtest.guest_volume(D, ["stortest.elf"], "96M")
TRACE = os.environ.get("HVPART_TRACE")
iso = hvtest.scenario_iso("bench-vhd-cvp" + ("-trace" if TRACE else ""),
                          hv=os.path.join(B, "hv-trace.elf") if TRACE else None)

# name: (stortest argument, Measure-VHD arguments)
PATTERNS = {
    "rand4k": ("rand4k=%d" % N, "-Pattern Random4K -Count %d -Seed %d" % (N, SEED)),
    "rand4kw": ("rand4kw=%d" % N, "-Pattern Random4K -Count %d -Seed %d -Write" % (N, SEED)),
    "seq1m": ("seq1m=%d" % M, "-Pattern Sequential1M -Count %d" % M),
}


def child(m, name, args):
    m.command('New-VM -Name %s -MemoryStartupBytes 8MB -Kernel C:\\guests\\stortest.elf '
              '-KernelArgs "mode=bench seed=%d %s"' % (name, SEED, args))
    m.command("Add-VMHardDiskDrive -VMName %s -ControllerType SCSI -Path C:\\d.vhd" % name)
    m.command("Start-VM %s" % name)
    m.command("Wait-VM %s -Timeout 300" % name, timeout=330)
    log = m.command("Get-VMConsoleLog %s" % name)
    exits = re.search(r"ExitsTotal\s+: (\d+)", m.command("Get-VM %s" % name))
    m.command("Remove-VM %s" % name)
    return log, int(exits.group(1)) if exits else None


def measure(m, args):
    out = m.command("Measure-VHD -Path C:\\d.vhd %s" % args, timeout=300)
    t = re.search(r"TscPerRequest\s+: (\d+)", out)
    raw = re.search(r"RawReadTscPerRequest\s+: (\d+)", out)
    return (int(t.group(1)) if t else None, int(raw.group(1)) if raw else None, out)


with hvtest.Machine(iso, name="bench-vhd-cvp", disks=[vol], watchdog=1500, sync="none") as m:
    m.expect(hvtest.PROMPT, 180)
    m.command("New-VHD -Path C:\\d.vhd -SizeBytes %dMB -Dynamic" % VHD_MB)
    fill = measure(m, "-Pattern Sequential1M -Count %d -Write" % VHD_MB)
    parent = {k: measure(m, v[1]) for k, v in PATTERNS.items()}
    base = child(m, "z", "")
    kids = {k: child(m, "c" + k, v[0]) for k, v in PATTERNS.items()}

if TRACE:
    print(hvtest.run_tool([os.path.join(hvtest.ROOT, "tools", "trace-report"), m.e9_log, "--last", "1"],
                          "trace report"))
ok = fill[0] is not None and base[1] is not None and "stortest: PASS" in base[0]
if not ok:
    print("bench vhd_child_vs_parent: FAILED (setup: %s / %s)" % (fill[2][-300:], base[0][-300:]))
TARGETS = {"rand4k": ("rand4k_read_vs_parent", 80, 0), "rand4kw": ("rand4k_write_vs_parent", 80, 0),
           "seq1m": ("seq1m_read_vs_parent_raw", 70, 1)}
for k, (label, target, col) in TARGETS.items():
    log, exits = kids[k]
    r = re.search(r"stortest: bench %s requests=(\d+) done=(\d+) ticks=(\d+) signals_out=(\d+) "
                  r"irqs_in=(\d+)" % k, log)
    n = N if k != "seq1m" else M
    p = parent[k][col]
    if not r or int(r.group(2)) != n or "stortest: PASS" not in log or p is None or exits is None:
        print("bench vhd_child_%s: FAILED (%s | %s)" % (label, r.group(0) if r else log[-400:],
                                                      parent[k][2][-300:]))
        ok = False
        continue
    c = int(r.group(3)) / n
    what = "the raw disk" if col else "Measure-VHD"
    print("bench vhd_child_%s: %.1f %% (target >= %d %%; child %d ticks a request, parent %d by %s)"
          % (label, 100.0 * p / c, target, c, p, what))
    if col:
        print("bench vhd_parent_seq1m_read_vs_raw: %.1f %% (report only; parent's VHD %d ticks a "
              "request)" % (100.0 * p / parent[k][0], parent[k][0]))
    print("bench vhd_child_%s_costs: %.2f signals to host, %.2f to guest, %.2f exits per request "
          "(report only; %d exits less %d without requests)"
          % (k, int(r.group(4)) / n, int(r.group(5)) / n, (exits - base[1]) / n, exits, base[1]))
    ok &= 100.0 * p / c >= target
sys.exit(0 if ok else 1)
