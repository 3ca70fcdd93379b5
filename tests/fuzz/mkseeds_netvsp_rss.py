#!/usr/bin/env python3
"""Writes receive-side scaling seeds for fuzz_rndis and fuzz_nvsp
(tests/fuzz/fuzz_rndis.c, fuzz_nvsp.c) to tests/fuzz/seeds/<fuzzer>/rss_*:
the RNDIS RSS capability query and parameter sets as Linux's
rndis_set_rss_param_msg() lays them out (drivers/net/hyperv/rndis_filter.c),
NVSP SUBCHANNEL requests, and TCP frames to guest b (RSS on, 3
sub-channels in fuzz_netvsp_env.h), over IPv4 and over IPv6 with
extension headers, so that mutations start inside
vswitch/netvsp/netvsp_rss.c (the hash, the IPv6 walk), the hash element
netvsp_rx.c puts before each frame, and h_subchannel. Guest a of
fuzz_netvsp_env.h may be granted 3 sub-channels; fuzz_rndis never asks
for any, so its tables name channel 0 only. The split_* seeds send such
frames from the send buffer to b, which the switch has learned, so they
take the split path (netvsp copies the head, b's netvsp reads the tail
out of a's send buffer): fuzz_rndis with bit 4 (a rewrites its buffer as
netvsp takes the tail's pointer), fuzz_nvsp by writing the message into
send section 3 (record kind 5) and naming it (SEND_RNDIS_PKT).
Run: python3 tests/fuzz/mkseeds_netvsp_rss.py"""
import os
import struct

QUERY, SET = 4, 5
OID_RSS_CAPS, OID_RSS_PARAMS = 0x00010203, 0x00010204
TOEPLITZ, H_IPV4, H_TCP4, H_IPV6, H_TCP6 = 1, 0x100, 0x200, 0x400, 0x1000
LINUX_HASH = TOEPLITZ | H_IPV4 | H_TCP4 | H_IPV6 | H_TCP6
ITABLE_UNCHANGED, KEY_UNCHANGED, DISABLE = 0x4, 0x8, 0x10
# Microsoft's RSS verification key ("Verifying the RSS Hash Calculation").
MS_KEY = bytes.fromhex('6d5a56da255b0ec24167253d43a38fb0d0ca2bcb'
                       'ae7b30b477cb2da38030f20c6a42b73bbeac01fa')


def oid_msg(kind, oid, info=b'', req_id=1):
    """RNDIS QUERY / SET: header, request (offsets from the request)."""
    req = struct.pack('<IIIII', req_id, oid, len(info), 20 if info else 0, 0)
    return struct.pack('<II', kind, 8 + len(req) + len(info)) + req + info


def rss_params(table, flags=0, hashinfo=LINUX_HASH, key=MS_KEY):
    """NDIS_RECEIVE_SCALE_PARAMETERS: 40 bytes, 32-bit entries, key."""
    tab = b''.join(struct.pack('<I', e) for e in table)
    p = struct.pack('<BBHHHIHHIHHIIII', 0x89, 2, 40, flags, 0, hashinfo,
                    len(tab), 0, 40, len(key), 0, 40 + len(tab), 0, 0, 0)
    assert len(p) == 40
    return p + tab + key


def nvsp(t, *words):
    return struct.pack('<I', t) + b''.join(struct.pack('<I', w)
                                           for w in words).ljust(36, b'\0')


def nvsp_record(msg, comp=True):
    """fuzz_nvsp record: kind 0 (in-band), flags, length, bytes."""
    return struct.pack('<BBH', 0, 1 if comp else 0, len(msg)) + msg


MAC_A, MAC_B = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 2])
V6_SRC = bytes.fromhex('3ffe0000000000000000000000001234')
V6_DST = bytes.fromhex('fe800000000000000000000000000001')


def tcp(sport=1234, dport=80, payload=40):
    return struct.pack('>HHIIBBHHH', sport, dport, 1, 0, 0x50, 0x10, 512,
                       0, 0) + bytes(payload)


def ipv4_frame(payload=40):
    l4 = tcp(payload=payload)
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0x4000, 64,
                     6, 0, bytes([10, 0, 0, 1]), bytes([10, 1, 0, 1]))
    return MAC_B + MAC_A + b'\x08\x00' + ip + l4


def ext(kind, nxt, size=8, frag=0):
    """An IPv6 extension header: options (0, 43, 60) padded with Pad1,
    or a fragment header (44) with its offset-and-M word."""
    if kind == 44:
        return struct.pack('>BBHI', nxt, 0, frag, 0x77)
    return bytes([nxt, size // 8 - 1]) + bytes(size - 2)


def ipv6_frame(exts=(), proto=6):
    """exts: (type, size, frag) in order; then a TCP header."""
    types = [e[0] for e in exts] + [proto]
    chain = b''.join(ext(e[0], types[i + 1], e[1], e[2])
                     for i, e in enumerate(exts))
    l4 = tcp()
    ip = struct.pack('>IHBB16s16s', 6 << 28, len(chain) + len(l4), types[0],
                     64, V6_SRC, V6_DST)
    return MAC_B + MAC_A + b'\x86\xdd' + ip + chain + l4


def packet(frame):
    """RNDIS_PACKET: header, rndis_packet (data right after it), frame."""
    p = struct.pack('<IIIIIIIII', 36, len(frame), 0, 0, 0, 0, 0, 0, 0)
    return struct.pack('<II', 1, 8 + len(p) + len(frame)) + p + frame


# fuzz_rndis byte 0: bit 0 control channel; RNDIS up, send section.
RNDIS = {
    'rss_caps': bytes([1]) + oid_msg(QUERY, OID_RSS_CAPS),
    'rss_set': bytes([1]) + oid_msg(SET, OID_RSS_PARAMS, rss_params([0] * 128)),
    'rss_set16': bytes([1]) + oid_msg(SET, OID_RSS_PARAMS,
                                      rss_params([0] * 16, ITABLE_UNCHANGED |
                                                 KEY_UNCHANGED)),
    'rss_off': bytes([1]) + oid_msg(SET, OID_RSS_PARAMS,
                                    rss_params([], DISABLE)),
    # Frames b hashes (byte 0: data channel, send section, RNDIS up).
    'rss_v4': bytes([0]) + packet(ipv4_frame()),
    'rss_v6': bytes([0]) + packet(ipv6_frame()),
    'rss_v6ext': bytes([0]) + packet(ipv6_frame([(0, 8, 0), (43, 24, 0),
                                                 (44, 8, 0), (60, 16, 0)])),
    'rss_v6frag': bytes([0]) + packet(ipv6_frame([(60, 8, 0),
                                                  (44, 8, 0x0321)])),
}
RNDIS.update({
    'split_v4_rewrite': bytes([16]) + packet(ipv4_frame(200)),
    'split_v6ext_rewrite': bytes([16]) + packet(ipv6_frame([(0, 8, 0),
                                                           (43, 24, 0),
                                                           (60, 16, 0)])),
})
# fuzz_nvsp byte 0: stage 1 (connected), version index 5 (6.1).
NVSP = {
    'rss_subch': bytes([5 << 2 | 1]) + nvsp_record(nvsp(133, 1, 3)) +
    nvsp_record(nvsp(133, 1, 8)) + nvsp_record(nvsp(133, 2, 1)),
}


def poke(off, data, flags=0):
    """fuzz_nvsp record kind 5: bytes into the send buffer at off."""
    body = struct.pack('<H', off) + data
    return struct.pack('<BBH', 5, flags, len(body)) + body


SECTION3 = 3 * 6144
for name, frame, flags in (('split_v4', ipv4_frame(200), 0),
                           ('split_v6ext_rewrite',
                            ipv6_frame([(0, 8, 0), (44, 8, 0)]), 2)):
    msg = packet(frame)
    # Stage 2 (RNDIS up), version 6.1; SEND_RNDIS_PKT (107) on the data
    # channel naming section 3.
    NVSP[name] = (bytes([5 << 2 | 2]) + poke(SECTION3, msg, flags) +
                  nvsp_record(nvsp(107, 0, 3, len(msg))))

if __name__ == '__main__':
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds')
    for fuzzer, seeds in (('fuzz_rndis', RNDIS), ('fuzz_nvsp', NVSP)):
        d = os.path.join(top, fuzzer)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)
