#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_ide (tests/fuzz/fuzz_ide.c) to
tests/fuzz/seeds/fuzz_ide/: port sequences as Linux's libata issues them
(reset, IDENTIFY, PIO and multiple-sector reads and writes, LBA48, bus-
master DMA with a PRD table, faults) for the fuzzer to mutate. The
encoding mirrors the step decoder of fuzz_ide.c."""
import os
import struct

# Indexes into fz_ports of fuzz_ide.c.
PRI = {"data": 0, "feature": 1, "count": 2, "lbal": 3, "lbam": 4, "lbah": 5,
       "device": 6, "command": 7, "ctl": 8}
SEC_OFF = 9
BM = {"cmd": 18, "status": 20, "prd": 22, "cmd1": 26}


def out(port, value, size=1):
    return bytes([0, port, {1: 0, 2: 1, 4: 2}[size]]) + struct.pack("<I", value)


def inp(port, size=1):
    return bytes([1, port, {1: 0, 2: 1, 4: 2}[size]])


def data_in(words, sec=False):
    return bytes([2, 1 if sec else 0, words // 8])


def data_out(words, value=0x5aa5, sec=False):
    return bytes([3, 1 if sec else 0, words // 8]) + struct.pack("<I", value)


def prd(index, addr, count, eot):
    return bytes([4, index]) + struct.pack("<II", addr, (count & 0xffff) | (0x80000000 if eot else 0))


def faults(mask):
    return bytes([5, mask])


def pci(reg, value):
    return bytes([6, reg]) + struct.pack("<I", value)


def cmd28(cmd, lba=0, count=1, feature=0, dev=0xe0):
    return (out(PRI["feature"], feature) + out(PRI["count"], count) +
            out(PRI["lbal"], lba & 0xff) + out(PRI["lbam"], (lba >> 8) & 0xff) +
            out(PRI["lbah"], (lba >> 16) & 0xff) +
            out(PRI["device"], dev | ((lba >> 24) & 0x0f)) + out(PRI["command"], cmd))


def cmd48(cmd, lba, count):
    hi = (out(PRI["count"], count >> 8) + out(PRI["lbal"], (lba >> 24) & 0xff) +
          out(PRI["lbam"], (lba >> 32) & 0xff) + out(PRI["lbah"], (lba >> 40) & 0xff))
    lo = (out(PRI["count"], count & 0xff) + out(PRI["lbal"], lba & 0xff) +
          out(PRI["lbam"], (lba >> 8) & 0xff) + out(PRI["lbah"], (lba >> 16) & 0xff))
    return hi + lo + out(PRI["device"], 0x40) + out(PRI["command"], cmd)


STATUS = inp(PRI["command"])
SRST = out(PRI["ctl"], 0x0e) + out(PRI["ctl"], 0x0a) + STATUS
DMA_TABLE = (prd(0, 0x8000, 512, False) + prd(1, 0x9000, 1024, True) +
             out(BM["prd"], 0x1000, 4) + out(BM["status"], 0x06))

def packet(cdb, bcl=0xfffe, dma=False):
    """PACKET to the primary slave (a CD-ROM with cfg bit 3), then the
    12-byte command packet word by word."""
    cdb = bytes(cdb) + bytes(12 - len(cdb))
    seq = (out(PRI["device"], 0xb0) + out(PRI["feature"], 1 if dma else 0) +
           out(PRI["lbam"], bcl & 0xff) + out(PRI["lbah"], bcl >> 8) + out(PRI["command"], 0xa0))
    for i in range(0, 12, 2):
        seq += out(PRI["data"], cdb[i] | cdb[i + 1] << 8, 2)
    return seq


MEDIUM = b"\x08"          # step_medium: Set-VMDvdDrive while running

SEEDS = {
    "identify": b"\x01" + SRST + cmd28(0xec) + STATUS + data_in(256) + STATUS,
    "pio-rw": (b"\x00" + cmd28(0x20, 5, 2) + STATUS + data_in(512) + STATUS +
               cmd28(0x30, 9, 2) + data_out(256) + STATUS + data_out(256) + STATUS),
    "multiple": (b"\x00" + cmd28(0xc6, 0, 4) + cmd28(0xc4, 0, 10) + STATUS + data_in(1024) +
                 STATUS + data_in(1024) + cmd48(0x39, 60, 6) + data_out(1024) + data_out(512)),
    "lba48": (b"\x00" + cmd48(0x24, 62, 2) + data_in(512) + out(PRI["ctl"], 0x80) +
              inp(PRI["lbal"]) + out(PRI["ctl"], 0) + cmd48(0x42, 63, 2) + STATUS),
    "dma-read": (b"\x00" + DMA_TABLE + out(BM["cmd"], 0x08) + cmd28(0xc8, 3, 3) +
                 out(BM["cmd"], 0x09) + inp(BM["status"]) + out(BM["cmd"], 0x08) + STATUS),
    "dma-write-ext": (b"\x00" + DMA_TABLE + out(BM["cmd"], 0x01) + cmd48(0x35, 10, 3) +
                      inp(BM["status"]) + out(BM["cmd"], 0x00) + STATUS),
    "dma-faults": (b"\x00" + DMA_TABLE + faults(0x22) + out(BM["cmd"], 0x08) +
                   cmd28(0xc8, 0, 3) + out(BM["cmd"], 0x09) + inp(BM["status"]) +
                   prd(0, 0xfff00, 512, True) + out(BM["status"], 0x06) + out(BM["cmd"], 0x08) +
                   cmd28(0xc8, 0, 1) + out(BM["cmd"], 0x09) + inp(BM["status"])),
    "slave-nien": (b"\x03" + out(PRI["ctl"], 0x02) + cmd28(0xec, dev=0xf0) + inp(PRI["ctl"]) +
                   out(PRI["ctl"], 0x00) + STATUS + data_in(256) + out(PRI["device"], 0xa0) +
                   cmd28(0x90) + STATUS + inp(PRI["feature"])),
    "pci-decode": (b"\x02" + pci(0x40, 0x0000) + STATUS + pci(0x04, 0x0001) +
                   out(SEC_OFF + 7, 0xec) + data_in(256, sec=True) + pci(0x20, 0xffffffff) +
                   pci(0x20, 0xffa0) + pci(0x04, 0x0005) + pci(0x40, 0x80008000)),
    "misc": (b"\x04" + cmd28(0xef, 0, 0x42, 0x03) + cmd28(0xe0) + cmd28(0xe5) +
             inp(PRI["count"]) + cmd28(0xe7) + cmd28(0x91, 0, 32, dev=0xa3) +
             cmd28(0x20, 1, 1, dev=0xa0) + cmd28(0x30, 0, 1) + cmd28(0xa1) + STATUS),
    "atapi-identify": (b"\x08" + SRST + out(PRI["device"], 0xb0) + inp(PRI["lbam"]) +
                       out(PRI["command"], 0xec) + out(PRI["command"], 0xa1) + data_in(256) +
                       packet([0x12, 0, 0, 0, 36]) + STATUS + data_in(24) + STATUS),
    "atapi-read-pio": (b"\x08" + packet([0x28, 0, 0, 0, 0, 2, 0, 0, 3], 1000) + STATUS +
                       data_in(504) + STATUS + data_in(504) + packet([0x25]) + data_in(8) +
                       packet([0x43, 2, 0, 0, 0, 0, 0, 0, 20]) + data_in(16)),
    "atapi-read-dma": (b"\x08" + DMA_TABLE + out(BM["cmd"], 0x08) +
                       packet([0xa8, 0, 0, 0, 0, 1, 0, 0, 0, 1], dma=True) + out(BM["cmd"], 0x09) +
                       inp(BM["status"]) + out(BM["cmd"], 0x08) + STATUS),
    "atapi-media": (b"\x18" + packet([0x00], 0) + STATUS + packet([0x03, 0, 0, 0, 18]) +
                    data_in(16) + MEDIUM + packet([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8]) +
                    data_in(8) + packet([0x00], 0) + packet([0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 28]) +
                    data_in(16) + packet([0x46, 0, 0, 0, 0, 0, 0, 0, 32]) + data_in(16) +
                    packet([0x2a, 0, 0, 0, 0, 1, 0, 0, 1]) + packet([0xff])),
}


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "fuzz_ide")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
