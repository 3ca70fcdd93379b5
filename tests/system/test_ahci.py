#!/usr/bin/python3
"""AHCI driver (issue 7): tests/guests/ahcitest links partition/drivers/ahci.c
and pci.c unchanged and runs them under QEMU TCG on q35's ICH9 AHCI (Bochs,
the only VT-x emulator here, has no AHCI). The host writes a known pattern
into a 64 MiB raw image; the kernel checks IDENTIFY, reads the pattern at
several LBAs (page-crossing, multi-page, multi-command), provokes a device
error past the end, writes a new pattern, flushes and powers off; the host
then checks that the image changed exactly where the kernel wrote."""
import array
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
D = os.path.join(hvtest.BUILD, "test-ahci")
os.makedirs(D, exist_ok=True)
SECTORS = 131072                     # 64 MiB
PAT_OLD, PAT_NEW = 0x1234567, 0xabcdef01
# (lba, count) the kernel writes with PAT_NEW (tests/guests/ahcitest/main.c).
WRITES = [(2048, 300), (SECTORS - 4, 4), (3, 1)]


def pattern(lba, count, seed):
    """Word w (byte offset 4*w) holds w * 0x9e3779b1 + seed, mod 2^32."""
    w0 = lba * 128
    return array.array("I", ((w * 0x9e3779b1 + seed) & 0xffffffff
                             for w in range(w0, w0 + count * 128))).tobytes()


def expected_image():
    img = bytearray(pattern(0, SECTORS, PAT_OLD))
    for lba, count in WRITES:
        img[lba * 512:(lba + count) * 512] = pattern(lba, count, PAT_NEW)
    return bytes(img)


iso = os.path.join(hvtest.BUILD, "test-iso", "ahcitest.iso")
img = os.path.join(D, "ahci.img")
img2 = os.path.join(D, "ahci-small.img")   # a second disk, 1 MiB, on port 1

with tap.case("ahcitest builds and mkiso packs it"):
    hvtest.run_tool(["make", "--no-print-directory", "-f", "tests/guests/ahcitest/module.mk",
                     "build/guests/ahcitest.elf"], "building ahcitest")
    os.makedirs(os.path.dirname(iso), exist_ok=True)
    hvtest.mkiso(iso, hv=os.path.join(hvtest.BUILD, "guests", "ahcitest.elf"), parent="none")

with tap.case("64 MiB image with the known pattern"):
    with open(img, "wb") as f:
        f.write(pattern(0, SECTORS, PAT_OLD))
    assert os.path.getsize(img) == SECTORS * 512
    with open(img2, "wb") as f:
        f.write(bytes(1 << 20))

# Kernel result lines, in order, as the TAP cases they prove.
CASES = [
    "read lba 0", "read 8 at lba 1000", "read last 8 sectors",
    "read across a page boundary", "read multi-page unaligned",
    "read 2 MiB in several commands", "range check: read past the end",
    "odd buffer address refused", "device error past the end reported",
    "read after port recovery", "write 300 sectors at lba 2048",
    "write last 4 sectors", "write 1 sector at lba 3", "flush cache ext",
    "read back lba 2048", "read back last 4", "read back lba 3",
    "neighbour lba 2 unchanged", "neighbour lba 2348 unchanged",
]

out = ""
with hvtest.Machine(iso, name="ahci-q35", backend="qemu-tcg", watchdog=120, disks=[img, img2],
                    extra=["--machine", "q35"]) as m:
    with tap.case("q35: PCI scan finds the ICH9 AHCI controller (class 01h/06h/01h)"):
        m.expect(r"pci: 0:31\.2 8086:2922 AHCI", 60)
    with tap.case("q35: HBA taken over (GHC.AE, HBA reset), ports implemented"):
        m.expect(r"ahci: init rc 0 CAP [0-9a-f]+ CAP2 [0-9a-f]+ PI ([0-9a-f]+)", 30)
    with tap.case("q35: IDENTIFY DEVICE: model, 64 MiB as LBA48 sectors, 512-byte sectors"):
        m.expect(r"port 0: disk model='QEMU HARDDISK' serial='[^']*' sectors=131072 "
                 r"sector_size=512 lba48=1", 30)
    with tap.case("q35: a second disk on port 1 (1 MiB = 2048 sectors)"):
        m.expect(r"port 1: disk model='QEMU HARDDISK' serial='[^']*' sectors=2048 ", 30)
    with tap.case("q35: the ATAPI CD-ROM on port 2 is skipped by its signature"):
        m.expect(r"port 2: no ATA disk", 30)
    with tap.case("q35: the run finishes (no hang) and powers off"):
        m.expect(r"ahcitest: done, (\d+) failures", 90)
        if not m.wait_exit(30):
            raise hvtest.HarnessError("QEMU still running 30 s after power-off")
    out = m.output()

for name in CASES:
    with tap.case("kernel: " + name):
        hit = re.search(r"(PASS|FAIL): %s (ok|failed) \(rc (-?\d+)\)" % re.escape(name), out)
        assert hit, "no result line for %r" % name
        detail = [ln for ln in out.splitlines() if ln.startswith("  " + name + ":")]
        assert hit.group(1) == "PASS", "%s (rc %s) %s" % (hit.group(1), hit.group(3), detail)

with tap.case("device error shows ERR in PxTFD and TFES in PxIS"):
    hit = re.search(r"device error: PxIS ([0-9a-f]+) PxTFD ([0-9a-f]+)", out)
    assert hit, "no register dump"
    assert int(hit.group(1), 16) & (1 << 30) and int(hit.group(2), 16) & 1, hit.group(0)

with tap.case("host: the image changed exactly where the kernel wrote"):
    with open(img, "rb") as f:
        got = f.read()
    want = expected_image()
    assert len(got) == len(want), "image size %d" % len(got)
    with open(img2, "rb") as f:
        assert f.read() == bytes(1 << 20), "the second disk changed"
    if got != want:
        bad = [s for s in range(SECTORS) if got[s * 512:(s + 1) * 512] != want[s * 512:(s + 1) * 512]]
        raise AssertionError("%d sectors differ, first %s" % (len(bad), bad[:8]))

tap.done()
