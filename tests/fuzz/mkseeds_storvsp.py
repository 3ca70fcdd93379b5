#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_storvsp (tests/fuzz/fuzz_storvsp.c) to
tests/fuzz/seeds/fuzz_storvsp/: a storvsc-shaped session for the fuzzer
to mutate (init, then SRBs in-band and as GPA-direct packets naming the
fuzzer's guest pages at PFN 0x1000). Encoding: byte 0 = flags (bit 0 IDE,
bit 1 init first, bit 2 version 4.2), then packets as a little-endian
16-bit length and the packet bytes (descriptor included)."""
import os
import struct

INBAND, GPA = 6, 9


def desc(ptype, hdr_len, total, tid):
    return struct.pack("<HHHHQ", ptype, hdr_len // 8, (total + 7) // 8, 1, tid)


def vstor(op, body=b""):
    return struct.pack("<III", op, 1, 0) + body.ljust(52, b"\0")


def srb(cdb, dtl, data_in, lun=0):
    hdr = struct.pack("<HBBBBBBBBBBI", 52, 0, 0, 0, 0, 0, lun, len(cdb), 20,
                      data_in, 0, dtl)
    return vstor(3, hdr + cdb.ljust(20, b"\0") + bytes(16))


def inband(payload, tid):
    return desc(INBAND, 16, 16 + len(payload), tid) + payload


def gpa(payload, tid, nbytes, offset=0, pfn=0x1000):
    pages = (offset + nbytes + 4095) // 4096
    h = struct.pack("<II", 0, 1) + struct.pack("<II", nbytes, offset)
    h += b"".join(struct.pack("<Q", pfn + i) for i in range(pages))
    hl = 16 + len(h)
    return desc(GPA, hl, hl + len(payload), tid) + h + payload


def rw10(op, lba, n, fua=0):
    return bytes([op, 8 if fua else 0]) + struct.pack(">IBHB", lba, 0, n, 0)


def seed(flags, pkts):
    out = bytes([flags])
    for p in pkts:
        out += struct.pack("<H", len(p)) + p
    return out


def main():
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds",
                     "fuzz_storvsp")
    os.makedirs(d, exist_ok=True)
    init = [inband(vstor(7), 1), inband(vstor(9, struct.pack("<HH", 0x602, 0)), 2),
            inband(vstor(10), 3), inband(vstor(8), 4)]
    io = [
        inband(srb(bytes(6), 0, 2), 10),                               # TUR
        gpa(srb(bytes([0x12, 0, 0, 0, 96, 0]), 96, 1), 11, 96),       # INQUIRY
        gpa(srb(bytes([0x12, 1, 0xB0, 0, 255, 0]), 255, 1), 12, 255),
        gpa(srb(rw10(0x2A, 4, 8, 1), 4096, 0), 13, 4096, 512),        # WRITE FUA
        gpa(srb(rw10(0x28, 4, 8), 4096, 1), 14, 4096, 100),           # READ
        gpa(srb(bytes([0x1A, 0, 0x3F, 0, 255, 0]), 255, 1), 15, 255),  # MODE SENSE
        gpa(srb(bytes([0xA0] + [0] * 5 + [0, 0, 1, 0, 0, 0]), 256, 1), 16, 256),
        gpa(srb(bytes([0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0]), 24, 0), 17, 24),
        inband(srb(bytes([0x35] + [0] * 9), 0, 2), 18),                # SYNC
        inband(vstor(13, struct.pack("<H", 2)), 19),                  # sub-channels
    ]
    seeds = {
        "session": seed(0, init + io),
        "ready_io": seed(2, io),
        "ide_win7": seed(1 | 2 | 4, io),
        "before_init": seed(0, io),
    }
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
