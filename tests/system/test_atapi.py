#!/usr/bin/python3
"""ATAPI CD-ROM (issue 7, "ATA/ATAPI"): the ISO hvpart boots from sits on
Bochs's ata1-master CD-ROM. The parent finds it by its PACKET signature,
reads its model (IDENTIFY PACKET DEVICE) and capacity (READ CAPACITY), and
registers it after the ATA disks as a read-only optical disk of 2048-byte
sectors. Get-Disk lists it; `Get-Disk -Number N -ReadSector LBA` reads
sectors with READ(10), checked here against the same bytes of the ISO file."""
import os
import random
import re
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
ROOT = hvtest.ROOT
D = os.path.join(hvtest.BUILD, "test-atapi")
os.makedirs(D, exist_ok=True)
SEC = 2048


def sh(*args):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode:
        raise hvtest.HarnessError("%s: exit %d: %s" % (args[0], r.returncode,
                                                       r.stdout.decode(errors="replace")))


# ---- fixtures: an ISO with an extra file, and one small ATA disk ---------------
rng = random.Random(14)
extra = bytes(rng.getrandbits(8) for _ in range(5 * SEC + 123))
extra_path = os.path.join(D, "cdextra.bin")
open(extra_path, "wb").write(extra)
folder = os.path.join(D, "vol-files")
os.makedirs(folder, exist_ok=True)
open(os.path.join(folder, "hello.txt"), "w").write("hello\n")
disk = os.path.join(D, "vol.img")
sh(os.path.join(ROOT, "tools", "mkvol"), folder, disk, "--size", "4M")
iso = hvtest.scenario_iso("atapi", add=[extra_path])
image = open(iso, "rb").read()
blocks = (len(image) + SEC - 1) // SEC
# ISO 9660 puts each file's data at the start of a logical block.
extra_off = image.find(extra)
assert extra_off > 0 and extra_off % SEC == 0, extra_off
extra_lba = extra_off // SEC


def sector(lba):
    return image[lba * SEC:(lba + 1) * SEC].ljust(SEC, b"\0")


def read_sector(m, disk_no, lba):
    """CRC-32 and first 16 bytes the console printed for one sector."""
    out = m.command("Get-Disk -Number %d -ReadSector %d" % (disk_no, lba))
    r = re.search(r"Disk %d sector %d \(2048 bytes\): CRC32 ([0-9a-f]{8}), bytes 0-15:((?: [0-9a-f]{2}){16})"
                  % (disk_no, lba), out)
    assert r, out
    return int(r.group(1), 16), bytes(int(x, 16) for x in r.group(2).split())


with hvtest.Machine(iso, name="atapi", disks=[disk], watchdog=600) as m:
    with tap.case("boot: the CD-ROM on ata1-master is found by its PACKET signature, with its capacity"):
        out = m.expect(hvtest.PROMPT, 120) and m.output()
        r = re.search(r"atapi: ata1-master: (.+), (\d+) sectors of 2048 bytes \(\d+ MiB\), read-only", out)
        assert r, out
        model, n = r.group(1), int(r.group(2))
        # READ CAPACITY: (last LBA + 1) * 2048 is the ISO's size rounded up to 2048.
        assert n * SEC == blocks * SEC, (n, len(image))
        assert "ata: ata0-master:" in out, out

    with tap.case("Get-Disk: the ATA disk keeps number 0; the CD-ROM is disk 1, Optical, bus ATAPI"):
        out = m.command("Get-Disk")
        assert re.search(r"0 .*Host volume\s+ATA ata0-master", out), out
        assert re.search(r"1\s+%s\s.*\s+\d+(\.\d+)? MB GPT\s+\d+ Optical\s+ATAPI ata1-master"
                         % re.escape(model), out), out

    with tap.case("ReadSector 16: the ISO 9660 primary volume descriptor, as in the ISO file"):
        crc, head = read_sector(m, 1, 16)
        assert head[:6] == b"\x01CD001", head
        assert crc == zlib.crc32(sector(16)) & 0xFFFFFFFF, (hex(crc), sector(16)[:16])

    with tap.case("ReadSector: sector 0, the extra file's first and last sectors, the last sector"):
        for lba in (0, extra_lba, extra_lba + 5, blocks - 1):
            crc, head = read_sector(m, 1, lba)
            assert head == sector(lba)[:16], (lba, head)
            assert crc == zlib.crc32(sector(lba)) & 0xFFFFFFFF, lba

    with tap.case("ReadSector past the end and without -Number: clear errors; disk 0 reads 512-byte sectors"):
        out = m.command("Get-Disk -Number 1 -ReadSector %d" % blocks)
        assert "is past the end of disk 1 (%d sectors of 2048 bytes)" % blocks in out, out
        out = m.command("Get-Disk -ReadSector 16")
        assert "-ReadSector needs -Number" in out, out
        out = m.command("Get-Disk -Number 0 -ReadSector 2")
        vol = open(disk, "rb").read(3 * 512)[1024:1536]
        assert "CRC32 %08x" % (zlib.crc32(vol) & 0xFFFFFFFF) in out, out

    with tap.case("the console still works after the reads: Get-Disk -Number 1 lists the CD-ROM; "
                  "Set-Disk refuses to take it offline"):
        out = m.command("Get-Disk -Number 1")
        assert "ATAPI ata1-master" in out, out
        out = m.command("Set-Disk -Number 1 -IsOffline $true")
        assert ("Set-Disk : The request is not supported. (Disk 1 is a CD/DVD drive; only a hard "
                "disk goes offline.)") in out, out
        out = m.command("Get-Disk -Number 1")
        assert re.search(r"\bOnline\b", out) and "Offline" not in out, out

tap.done()
