#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_storvsp_state (tests/fuzz/fuzz_storvsp_state.c)
to tests/fuzz/seeds/fuzz_storvsp_state/: saved storvsp states in the format
of storage/storvsp/storvsp_state.h (version 2, and some in version 1) that
the fuzzer's device accepts (SCSI: LUNs (0,0,0) and (0,1,2), 2 sub-channels
offered; IDE: LUN 0; 2 MiB transfers), so mutations start from deep inside
the checks, then guest operations. Encoding: byte 0 flags (bit 0 IDE, bit 1
primary channel open, bits 2 and 3 sub-channels 1 and 2 open, bit 4 the
primary given back after them), a little-endian 16-bit blob length, the
blob, then operations: a byte whose low 2 bits say 0 in-band packet (then a
length byte and the bytes; bit 2: completion requested), 1 GPA-direct
packet (range length 16 bits, offset 16 bits, first page, 64 bytes), 2 the
guest reads its ring, 3 a rescan; bits 5-6 the channel (0 the primary, 1
and 2 the sub-channels)."""
import os
import struct

MAGIC, VERSION = 0x53565453, 2
SCSI, IDE = 0, 1
NONE, BEGUN, VERSIONED, PROPS, READY = range(5)
WIN7, WIN8_1, WIN10 = 0x0402, 0x0600, 0x0602
COMPLETE_IO = 1
XFER = 2 << 20


def held_pkt(version, held):
    """A COMPLETE_IO kept for ring room: (its length, 64 bytes)."""
    hlen = 48 if version and version < 0x0501 else 64
    pkt = struct.pack('<III', COMPLETE_IO, 0, held[1]).ljust(hlen, b'\0')
    return hlen, pkt.ljust(64, b'\0')


def blob(kind, is_open, state=NONE, version=0, enum=0, held=None, luns=None,
         subch=0, subs_held=(), fmt=VERSION):
    """subs_held: (sub_index, (tid, status)) of sub-channels holding one."""
    if luns is None:
        luns = [(0, 0, 0)] if kind == IDE else [(0, 0, 0), (0, 1, 2)]
    waiting, hlen, tid, pkt = 0, 0, 0, bytes(64)
    if held is not None:
        hlen, pkt = held_pkt(version, held)
        tid, waiting = held[0], 1
    dev = struct.pack('<BBBBHHIHBBIIQ64s', kind, is_open, state, enum, version,
                      subch, XFER, 0 if kind == IDE else 2, waiting, 0, hlen, 0,
                      tid, pkt)
    body = dev + b''.join(struct.pack('<BBB5x', *l) for l in luns)
    for index, h in subs_held:
        hlen, pkt = held_pkt(version, h)
        body += struct.pack('<HHIQ64s', index, 0, hlen, h[0], pkt)
    if fmt == 1:
        return struct.pack('<IIII', MAGIC, 1, 16 + len(body), len(luns)) + body
    return struct.pack('<IIIIII', MAGIC, VERSION, 24 + len(body), len(luns),
                       len(subs_held), 0) + body


def vstor(op, body=b''):
    return struct.pack('<III', op, 1, 0) + body.ljust(52, b'\0')


def srb(cdb, dtl, data_in, lun=0, target=0):
    hdr = struct.pack('<HBBBBBBBBBBI', 52, 0, 0, 0, 0, target, lun, len(cdb),
                      20, data_in, 0, dtl)
    return vstor(3, hdr + cdb.ljust(20, b'\0') + bytes(16))


def inband(payload):
    return bytes([4, len(payload)]) + payload


def gpa(payload, nbytes, offset=0, page=2):
    return bytes([1]) + struct.pack('<HHB', nbytes, offset, page) + payload


def on(chan, op):
    """An operation on channel chan (0 the primary, 1 and 2 sub-channels)."""
    return bytes([op[0] | chan << 5]) + op[1:]


def seed(flags, b, ops=()):
    return bytes([flags]) + struct.pack('<H', len(b)) + b + b''.join(ops)


TUR = srb(bytes(6), 0, 2)
READ = srb(bytes([0x28, 0, 0, 0, 0, 4, 0, 0, 8, 0]), 4096, 1)
INIT = [inband(vstor(7)), inband(vstor(9, struct.pack('<HH', WIN10, 0))),
        inband(vstor(10)), inband(vstor(8))]
IO = [inband(TUR), gpa(READ, 4096, 100), bytes([2]), bytes([3]), bytes([2]),
      inband(srb(bytes(6), 0, 2, lun=2, target=1))]

SEEDS = {
    'closed': seed(0, blob(SCSI, 0), INIT + IO),
    'open_none': seed(2, blob(SCSI, 1), INIT + IO),
    'begun_held': seed(2, blob(SCSI, 1, BEGUN, held=(7, 0)), [bytes([2])] + INIT[1:] + IO),
    'props': seed(2, blob(SCSI, 1, PROPS, WIN10), INIT[3:] + IO),
    'ready_held': seed(2, blob(SCSI, 1, READY, WIN10, held=(99, 0xC0000184)), IO),
    'ready_enum_win7': seed(2, blob(SCSI, 1, READY, WIN7, enum=1, held=(5, 0)), IO),
    'ide_ready': seed(3, blob(IDE, 1, READY, WIN8_1), IO),
    # version 1, as written before sub-channels were saved
    'v1_ready_held': seed(2, blob(SCSI, 1, READY, WIN10, held=(99, 0), fmt=1), IO),
    'v1_closed': seed(0, blob(SCSI, 0, fmt=1), INIT + IO),
    # sub-channels: both open, 2 asked for, completions held on the
    # primary and sub-channel 2; then I/O on each channel
    'subs_held': seed(14, blob(SCSI, 1, READY, WIN10, held=(7, 0), subch=2,
                               subs_held=[(2, (1002, 0))]),
                      IO + [on(1, op) for op in IO] + [on(2, bytes([2]))]),
    # sub-channels given back before the primary, both holding one
    'subs_first': seed(30, blob(SCSI, 1, READY, WIN8_1, subch=2,
                                subs_held=[(1, (11, 0)), (2, (12, 0x84))]),
                       [on(2, bytes([2])), on(1, bytes([2]))] + [on(2, op) for op in IO]),
    # sub-channel 1 only, asked for in PROPS
    'subs_props': seed(6, blob(SCSI, 1, PROPS, WIN10, subch=1),
                       INIT[3:] + [on(1, op) for op in IO]),
}

if __name__ == '__main__':
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds',
                     'fuzz_storvsp_state')
    os.makedirs(d, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
