#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_vmbus_state (tests/fuzz/fuzz_vmbus_state.c)
to tests/fuzz/seeds/fuzz_vmbus_state/: saved server states in the format
of vmbus/server_state.h that the fuzzer's fresh server accepts (its two
devices have type = instance = {1, 0...} and {2, 0...}; guest pages are
PFNs 0x1000..0x100f), so mutations start from deep inside the checks.
Format 2 seeds (sub-channels, target VPs) and format 1 ones (shorter
channel records), which restore still reads."""
import os
import struct

MAGIC = 0x53424d56
SERVER, CHAN, GPADL = 1, 2, 3
OFFERED, OPEN, RESCINDED = 1, 2, 3
V5_3 = 0x50003
PFN0 = 0x1000


def rec(kind, payload):
    return struct.pack('<HHI', kind, 1, len(payload)) + payload


def server(state, version, offers, nchans, ngpadls):
    return rec(SERVER, struct.pack('<IIBB2xIII', version, 0, state, offers,
                                   nchans, ngpadls, 0))


def guid(n):
    return bytes([n]) + bytes(15)


def chan(relid, state, dev, ring=0, in_pages=0, out_pages=0, rd=0, wr=0, sub=0, vp=0, fmt=2):
    body = struct.pack('<IBBBB16s16sIIIIIHH', relid, state, 0, 0, 0,
                       guid(dev), guid(dev), ring, in_pages,
                       out_pages, rd, wr, sub, 0)
    if fmt >= 2:
        body += struct.pack('<II', vp, 0)
    return rec(CHAN, body)


def gpadl(handle, relid, first, total, have, complete, is_ring):
    fixed = struct.pack('<IIIIIIBB6x', handle, relid, total, have,
                        total * 4096, 0, complete, is_ring)
    n = total if complete else have
    return rec(GPADL, fixed + b''.join(struct.pack('<Q', PFN0 + first + i)
                                       for i in range(n)))


def blob(records, fmt=2):
    body = b''.join(records)
    return struct.pack('<IIII', MAGIC, fmt, len(records),
                       16 + len(body)) + body


SEEDS = {
    'disconnected': blob([server(0, 0, 0, 2, 0), chan(1, OFFERED, 1),
                          chan(2, OFFERED, 2)]),
    'open': blob([server(1, V5_3, 1, 2, 2),
                  chan(3, OPEN, 2, 0xE1E10, 2, 2, 0, 0, vp=1),
                  chan(7, OFFERED, 1),
                  gpadl(0xE1E10, 3, 0, 4, 4, 1, 1),
                  gpadl(0xE1E11, 3, 4, 3, 3, 1, 0)]),
    'pending': blob([server(1, V5_3, 1, 3, 2),
                     chan(1, OFFERED, 1), chan(2, OPEN, 2, 5, 3, 2, 0, 0),
                     chan(9, RESCINDED, 9),
                     gpadl(5, 2, 0, 5, 5, 1, 1),
                     gpadl(6, 9, 8, 40, 26, 0, 0)]),
    'subs': blob([server(1, V5_3, 1, 5, 2),
                  chan(1, OFFERED, 1), chan(2, OPEN, 2, 5, 2, 2, 0, 0),
                  chan(3, OPEN, 2, 6, 2, 2, 0, 0, sub=1, vp=1),
                  chan(4, OFFERED, 2, sub=2),
                  chan(6, RESCINDED, 2, sub=3),
                  gpadl(5, 2, 0, 4, 4, 1, 1),
                  gpadl(6, 3, 4, 4, 4, 1, 1)]),
    'v1_open': blob([server(1, V5_3, 1, 2, 2),
                     chan(3, OPEN, 2, 0xE1E10, 2, 2, 0, 0, fmt=1),
                     chan(7, OFFERED, 1, fmt=1),
                     gpadl(0xE1E10, 3, 0, 4, 4, 1, 1),
                     gpadl(0xE1E11, 3, 4, 3, 3, 1, 0)], fmt=1),
}

if __name__ == '__main__':
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds',
                     'fuzz_vmbus_state')
    os.makedirs(d, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
