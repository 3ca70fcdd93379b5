#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_netvsp_state (tests/fuzz/fuzz_netvsp_state.c)
to tests/fuzz/seeds/fuzz_netvsp_state/: a flags byte, the blob's length,
a saved netvsp state in the format of vswitch/netvsp/netvsp_state.h that
guest a of fuzz_netvsp_env.h accepts (receive buffer GPADL 0x100 of
1728 * 64 bytes, send buffer GPADL 0x200 of 6144 * 8, MAC 02:00:00:00:00:01,
up to 3 sub-channels), then NVSP messages the guest sends after it, so that
mutations start from deep inside the checks. Blobs are version 2 (the
sub-channels granted, the RSS record), one is version 1 (before
sub-channels: no RSS record, n_subch is a zero pad).
Run: python3 tests/fuzz/mkseeds_netvsp_state.py"""
import os
import struct

MAGIC, VERSION = 0x5353564e, 2
V1, V5, V61 = 0x2, 0x50000, 0x60001
RSEC, SSEC = 1728, 6144
RBUF, SBUF = (0x100, RSEC * 64, 64, 0xCAFE), (0x200, SSEC * 8, 8, 0)
MAC = bytes([2, 0, 0, 0, 0, 1])
DIRECTED, MULTICAST, ALL_MULTI, BCAST, PROMISC = 1, 2, 4, 8, 0x20
COMP, CTRL, INBAND = 0, 1, 2
TOEPLITZ, H_IPV4, H_TCP4, H_IPV6, H_TCP6 = 1, 0x100, 0x200, 0x400, 0x1000
LINUX_HASH = TOEPLITZ | H_IPV4 | H_TCP4 | H_IPV6 | H_TCP6
# Microsoft's RSS verification key ("Verifying the RSS Hash Calculation").
MS_KEY = bytes.fromhex('6d5a56da255b0ec24167253d43a38fb0d0ca2bcb'
                       'ae7b30b477cb2da38030f20c6a42b73bbeac01fa')


def buf(b):
    if not b:
        return bytes(16)
    handle, size, sections, ident = b
    return struct.pack('<IIIHBB', handle, size, sections, ident, 1, 0)


def rss_record(rss):
    """176 bytes: on, pad, n_table, hashinfo, key, table (0 past n)."""
    if not rss:
        return bytes(176)
    on, hashinfo, key, table = rss
    r = struct.pack('<BBHI', on, 0, len(table), hashinfo) + key
    r += bytes(table).ljust(128, b'\0')
    assert len(r) == 176
    return r


def blob(version=0, chan=1, rbuf=None, sbuf=None, sizes=(0, 0), cursor=0,
         rndis=0, link=1, filt=0, mac=MAC, mcast=(), held=(), pend=(),
         subch=0, rss=None, fmt=VERSION):
    m = struct.pack('<IIIIII', version, 6 if version else 0,
                    30 if version else 0, 1514 if version > V1 else 0, *sizes)
    m += buf(rbuf) + buf(sbuf)
    m += struct.pack('<IIBBBB', cursor, filt, chan, rndis, link, subch)
    m += mac + bytes(2) + struct.pack('<I', len(mcast))
    m += b''.join(mcast).ljust(32 * 6, b'\0')
    m += struct.pack('<II', len(held), len(pend))
    assert len(m) == 280
    assert fmt == 2 or (subch == 0 and not rss)
    body = m + (rss_record(rss) if fmt == 2 else b'')
    body += b''.join(struct.pack('<Q', count << 32 | first)
                     for first, count in held)
    for p in pend:
        kind, tid, data = p[:3]
        ch = p[3] if len(p) > 3 else 0
        body += struct.pack('<BBHIQ', kind, ch, len(data), 0, tid)
        body += data.ljust(256, b'\0')
    return struct.pack('<IIII', MAGIC, fmt, 16 + len(body), 0) + body


def seed(flags, b, records=()):
    tail = b''.join(struct.pack('<H', len(r)) + r for r in records)
    return bytes([flags]) + struct.pack('<H', len(b)) + b + tail


def nvsp(t, *words):
    return struct.pack('<I', t) + b''.join(struct.pack('<I', w)
                                           for w in words).ljust(36, b'\0')


TABLE = nvsp(134, 16, 40) + bytes(64)             # send indirection table
# the table after a grant of 3: entry i names channel i % 4
TABLE4CH = nvsp(134, 16, 40) + b''.join(struct.pack('<I', i % 4)
                                        for i in range(16))
KA_COMP = nvsp(108, 1)[:8]                         # SEND_RNDIS_PKT_COMP
KA_REPLY = struct.pack('<IIII', 0x80000008, 16, 5, 0)  # KEEPALIVE_CMPLT
LINK_UP = struct.pack('<IIIII', 7, 20, 0x4001000B, 0, 0)  # MEDIA_CONNECT
UP = dict(version=V61, rbuf=RBUF, sbuf=SBUF, sizes=(RSEC, SSEC), rndis=1,
          filt=DIRECTED | BCAST | ALL_MULTI)
TABLE4 = [(i * 7 ^ i >> 3) & 3 for i in range(128)]
SUBCH_REQ = nvsp(133, 1, 3)                        # SUBCHANNEL ALLOCATE 3
SUBCH_COMP = nvsp(133, 1, 3)                       # its completion: 3
# flags: bit 0 channel closed; bits 1-2 sub-channels opened first.
SUBS3 = 3 << 1

SEEDS = {
    'fresh': seed(0, blob(), [nvsp(1, V61, V61)]),
    'closed': seed(1, blob(chan=0, link=0)),
    'init': seed(0, blob(version=V61), [nvsp(101, 0x100, 0xCAFE)]),
    'buffers': seed(0, blob(version=V5, rbuf=RBUF, sbuf=SBUF,
                            sizes=(RSEC, SSEC), cursor=3,
                            pend=[(INBAND, 0, TABLE)])),
    'up': seed(0, blob(**UP, cursor=9,
                       mcast=[bytes([1, 0, 0x5e, 0, 0, 1])],
                       held=[(0, 1), (5, 3), (63, 1)],
                       pend=[(CTRL, 0, KA_REPLY), (COMP, 42, KA_COMP),
                             (CTRL, 0, LINK_UP)]),
               [nvsp(1, V61, V61), nvsp(103, 0xCAFE)]),
    'odd': seed(0, blob(version=V1, rbuf=(0x100, RSEC * 64, 64, 0x1234),
                        sizes=(RSEC, 0), rndis=1, link=0, filt=PROMISC,
                        mac=bytes([2, 0x11, 0x22, 0x33, 0x44, 0x55]),
                        held=[(10, 54)])),
    # A host before sub-channels saved it (format version 1).
    'up_v1': seed(0, blob(**UP, cursor=9, held=[(0, 1), (5, 3)],
                          pend=[(CTRL, 0, KA_REPLY), (COMP, 42, KA_COMP)],
                          fmt=1),
                  [nvsp(1, V61, V61)]),
    # Three sub-channels open, RSS on: held receives, a completion queued
    # for sub-channel 2, the send table over the four channels, then
    # another SUBCHANNEL request.
    'rss': seed(SUBS3, blob(**UP, cursor=4, subch=3,
                            rss=(1, LINUX_HASH, MS_KEY, TABLE4),
                            held=[(0, 1), (1, 2)],
                            pend=[(COMP, 43, KA_COMP, 2),
                                  (COMP, 44, SUBCH_COMP[:12], 0),
                                  (INBAND, 0, TABLE4CH),
                                  (CTRL, 0, KA_REPLY)]),
                [SUBCH_REQ]),
    # Two granted, none open, RSS set and then disabled (a 16-entry table
    # kept), TCP-only hash types.
    'rss_off': seed(0, blob(**UP, subch=2,
                            rss=(0, TOEPLITZ | H_TCP4 | H_TCP6, MS_KEY,
                                 [i % 3 for i in range(16)])),
                    [SUBCH_REQ]),
}

if __name__ == '__main__':
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds',
                     'fuzz_netvsp_state')
    os.makedirs(d, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
