#!/usr/bin/python3
"""Crash injection (issue 15, "Durability"; docs/ARCHITECTURE.md rule 7).

A storvsc guest (tests/guests/stortest mode=crash) writes generations of
a pattern to a dynamic VHD on SCSI: each generation allocates a new VHD
block with a FUA write ("stortest: fua gen G"), writes seven more extents
at pseudo-random LBAs (some FUA, WRITE(10) and (16)), SYNCHRONIZE CACHE,
then prints "stortest: synced gen G". The host watches the guest's COM1
through Connect-VM and SIGKILLs the emulator (no shutdown, nothing
flushed) at a different point in each run: just after generation 1
synced, some time after a middle generation synced (the kill lands in a
later generation's writes), and just after a FUA write allocated a block
(the generation itself unsynced).

After each kill the host takes the VHD off the host volume image
(debugfs) and checks it: `tools/vhd check`; qemu-img opens it and reads
every block (`qemu-img check` has no vpc support: it exits 63 for any
VHD, so qemu-img convert and compare stand in); both readers give the
same bytes; and every sector a printed line acknowledged holds its
generation or a later one that wrote it, every other sector zero or a
whole sector of a generation that wrote it. The next run's boot is the
reboot (a fourth, short boot for the third run's): the parent mounts its
volume after the crash, and a guest in mode=verify reads the previous
run's VHD through storvsp and checks the same rule itself. e2fsck -fn of
the host volume may find free counts to mend (it was never unmounted),
but never a block owned by two files: the reboot would otherwise have
handed out blocks the crashed VHD's inode still pointed at
(partition/fs/ext2_alloc.c ext2_alloc_commit).
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
ROOT = hvtest.ROOT
B = hvtest.BUILD
D = os.path.join(B, "test-crash")
os.makedirs(D, exist_ok=True)
os.environ["PATH"] += ":/sbin:/usr/sbin"
ERROR = re.compile(r"^[A-Z][a-z]+-[A-Za-z]+ : .*$", re.M)

# tests/guests/stortest/crash.c's schedule, repeated here.
REGION = 1024          # sectors: the VHD's 512 KiB block
EXTENTS = 8
SECTORS = 8            # per extent
VHD_MB = 32
GENS = 60              # more than any run reaches before its kill
BLOCKS = VHD_MB * 2048
M32 = 0xffffffff

# (name, line to wait for, seconds to wait after it before the kill)
RUNS = (("c1", "synced gen 1", 0.0),
        ("c2", "synced gen 5", 0.25),
        ("c3", "fua gen 9", 0.0))


def xorshift(x):
    x ^= (x << 13) & M32
    x ^= x >> 17
    x ^= (x << 5) & M32
    return x


def extent(gen, k):
    """The first LBA of extent k of generation gen (crash.c st_crash_extent)."""
    x, region, off = 0x2545f491 ^ ((gen * 0x9e3779b1) & M32), gen - 1, 0
    for i in range(k + 1):
        x = xorshift(x or 1)
        region = gen - 1 if i == 0 else x % gen
        x = xorshift(x)
        off = x % (REGION // SECTORS) * SECTORS
    return region * REGION + off


def writers():
    """lba -> the generations that write it, in order."""
    w = {}
    for g in range(1, GENS + 1):
        for k in range(EXTENTS):
            e = extent(g, k)
            for lba in range(e, e + SECTORS):
                w.setdefault(lba, [])
                if not w[lba] or w[lba][-1] != g:
                    w[lba].append(g)
    return w


WRITERS = writers()


def sector_gen(s, lba):
    """0 for a zero sector, the generation a whole pattern sector names,
    or None for anything else (crash.c sector_gen)."""
    if not any(s):
        return 0
    gen = int.from_bytes(s[8:12], "little")
    if s[:4] != b"CRSH" or int.from_bytes(s[4:8], "little") != lba or not gen:
        return None
    want = bytes((lba * 7 + gen * 13 + i) & 0xff for i in range(12, 512))
    return gen if s[12:] == want else None


def owed(lba, synced, fua):
    """The oldest generation lba may hold after the kill."""
    want = max([g for g in WRITERS.get(lba, []) if g <= synced], default=0)
    if fua > synced and extent(fua, 0) <= lba < extent(fua, 0) + SECTORS:
        want = fua
    return want


def sh(*args):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode:
        raise hvtest.HarnessError("%s: exit %d: %s" % (args[0], r.returncode,
                                                       r.stdout.decode(errors="replace")))
    return r.stdout.decode(errors="replace")


def ok(m, cmd, timeout=60):
    out = m.command(cmd, timeout=timeout)
    bad = ERROR.findall(out)
    assert not bad, "%s: %s" % (cmd, bad)
    return out


def kill(m):
    """SIGKILL every process of the emulator's session: the machine stops
    between two instructions, with whatever it had not written lost."""
    for pid in hvtest._session_pids(m.proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    m.proc.wait(10)
    if m._reader is not None:
        m._reader.join(5)


def acknowledged(text):
    """The last generation synced and the last FUA line the guest printed."""
    synced = [int(g) for g in re.findall(r"stortest: synced gen (\d+)", text)]
    fua = [int(g) for g in re.findall(r"stortest: fua gen (\d+)", text)]
    return (synced[-1] if synced else 0), (fua[-1] if fua else 0)


def check_raw(data, synced, fua):
    """Every sector: what it owes, and nothing but whole pattern sectors."""
    assert len(data) == BLOCKS * 512, len(data)
    bad, newest = [], 0
    for lba in range(BLOCKS):
        s = data[lba * 512:(lba + 1) * 512]
        if lba not in WRITERS and not any(s):
            continue
        got, want = sector_gen(s, lba), owed(lba, synced, fua)
        if got is None or got < want or (got and got not in WRITERS.get(lba, [])):
            bad.append((lba, got, want))
        newest = max(newest, got or 0)
    assert not bad, "sectors (lba, holds, owes): %s" % bad[:20]
    return newest


def host_check(name, synced, fua):
    vol = os.path.join(D, "vol.img")
    vhd, raw, qraw = (os.path.join(D, name + ext) for ext in (".vhd", ".raw", ".qemu.raw"))
    for p in (vhd, raw, qraw):
        if os.path.exists(p):
            os.unlink(p)
    sh("debugfs", "-R", "dump /%s.vhd %s" % (name, vhd), vol)
    sh(os.path.join(B, "tools", "vhd"), "check", vhd)
    r = subprocess.run(["qemu-img", "check", "-f", "vpc", vhd], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    assert r.returncode == 0 or (r.returncode == 63 and b"does not support checks" in r.stdout), \
        r.stdout
    sh("qemu-img", "convert", "-f", "vpc", "-O", "raw", vhd, qraw)
    sh(os.path.join(B, "tools", "vhd"), "convert", "--to", "raw", vhd, raw)
    with open(raw, "rb") as f:
        data = f.read()
    with open(qraw, "rb") as f:
        qdata = f.read()
    # qemu sizes a VHD whose creator it does not know by its CHS geometry
    # (a little short of the VHD's size): compare what both read.
    n = min(len(data), len(qdata))
    assert n >= len(data) - 64 * 1024 and data[:n] == qdata[:n], \
        "tools/vhd and qemu-img read different bytes"
    newest = check_raw(data, synced, fua)
    # The volume itself was not unmounted: e2fsck finds counts and bitmap
    # bits to mend (leaked blocks), but no block may belong to two files,
    # which the reboot would otherwise have made (ext2_alloc_commit).
    fsck = subprocess.run(["e2fsck", "-fn", vol], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = fsck.stdout.decode(errors="replace")
    print("# %s: synced gen %d, fua gen %d, newest generation on the disk %d; "
          "the host volume's e2fsck -fn exits %d" % (name, synced, fua, newest, fsck.returncode))
    assert "multiply-claimed" not in out.lower(), out
    return newest


hvtest.run_tool(["make", "--no-print-directory", "build/guests/stortest.elf", "build/tools/vhd"],
                "building stortest and tools/vhd")
folder = os.path.join(D, "vol-files")
sh("rm", "-rf", folder)
os.makedirs(os.path.join(folder, "guests"))
with open(os.path.join(B, "guests", "stortest.elf"), "rb") as src, \
     open(os.path.join(folder, "guests", "stortest.elf"), "wb") as dst:
    dst.write(src.read())
sh(os.path.join(ROOT, "tools", "mkvol"), folder, os.path.join(D, "vol.img"), "--size", "48M")
iso = hvtest.scenario_iso("crash")
ST = "C:\\guests\\stortest.elf"

def verify(m, i, prev):
    """After the reboot: the previous run's VM goes, a guest reads its VHD."""
    pname, psynced, pfua = prev
    with tap.case("after the kill, the parent mounts its volume again and a guest reads "
                  "%s.vhd through storvsp: every acknowledged sector is there "
                  "(synced gen %d, fua gen %d)" % (pname, psynced, pfua)):
        ok(m, "Remove-VM %s" % pname)   # it stays Off, its disk attached
        ok(m, 'New-VM -Name v%d -MemoryStartupBytes 8MB -Kernel %s -KernelArgs '
              '"mode=verify synced=%d fua=%d gens=%d"' % (i, ST, psynced, pfua, GENS))
        ok(m, "Add-VMHardDiskDrive -VMName v%d -ControllerType SCSI -Path C:\\%s.vhd"
              % (i, pname))
        ok(m, "Start-VM v%d" % i)
        out = ok(m, "Wait-VM v%d -Timeout 120" % i, timeout=150)
        log = ok(m, "Get-VMConsoleLog v%d" % i)
        assert re.search(r"stortest: verify synced %d fua %d: [1-9]\d* extents read, "
                         r"0 sectors bad" % (psynced, pfua), log), log
        assert "stortest: PASS" in log and "exit code 0" in out, (out, log)
        ok(m, "Remove-VM v%d" % i)


def crash_run(m, name, line, delay):
    """A writing guest, killed with the machine; returns (synced, fua)."""
    with tap.case("%s: a guest writes generations to a dynamic VHD on SCSI; the emulator is "
                  "killed %s after '%s'" % (name, "%g s" % delay if delay else "at once",
                                            line)):
        ok(m, "New-VHD -Path C:\\%s.vhd -SizeBytes %dMB -Dynamic -BlockSizeBytes 512KB"
              % (name, VHD_MB))
        ok(m, 'New-VM -Name %s -MemoryStartupBytes 8MB -Kernel %s -KernelArgs '
              '"mode=crash gens=%d"' % (name, ST, GENS))
        ok(m, "Add-VMHardDiskDrive -VMName %s -ControllerType SCSI -Path C:\\%s.vhd"
              % (name, name))
        ok(m, "Start-VM %s" % name)
        start = len(m.output())
        m.send_line("Connect-VM %s" % name)
        m.expect(r"Press Ctrl-\] to detach\.", 20)
        m.expect(re.escape("stortest: " + line) + r"\r\n", 180)
        if delay:
            time.sleep(delay)
        t0 = time.monotonic()
        kill(m)
        # Everything the guest printed before the kill, also after the
        # line waited for, had completed: all of it is owed.
        text = m.output()[start:]
        synced, fua = acknowledged(text)
        print("# %s: killed %.2f s after the line; the guest had printed synced gen %d, "
              "fua gen %d" % (name, time.monotonic() - t0 + delay, synced, fua))
        assert "stortest: PASS" not in text, "the guest finished before the kill"
        return synced, fua
    return None


prev = None   # (name, synced, fua) of the run before
for i, (name, line, delay) in enumerate(RUNS + ((None, None, None),)):
    with hvtest.Machine(iso, name="crash-%d" % (i + 1), disks=[os.path.join(D, "vol.img")],
                        watchdog=600) as m:
        m.expect(hvtest.PROMPT, 180)
        if prev:
            verify(m, i, prev)
        if not name:
            break
        got = crash_run(m, name, line, delay)
    if not got:
        break
    with tap.case("%s on the host: vhd check and qemu-img accept the VHD, both read the same "
                  "bytes, every acknowledged sector holds its generation or a later one; no "
                  "block of the host volume belongs to two files" % name):
        host_check(name, *got)
    prev = (name,) + got

tap.done()
