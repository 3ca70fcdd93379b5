#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_synic (tests/fuzz/fuzz_synic.c) to
tests/fuzz/seeds/fuzz_synic/: step sequences a fuzzer would need long to
find, each a plausible start (the VMBus shape, events, timers, a flood,
teardown) for it to mutate. The encoding mirrors the step_* decoders."""
import os
import struct

# vCPUs: 0, 1 the parent (partition 1); 2 child A (2); 3 child B (3).
# any_part() byte: 0 -> partition 1, 1 -> 2, 2 -> 3.
MSR = {"scontrol": 0, "siefp": 2, "simp": 3, "eom": 4, "sint2": 7, "sint3": 8,
       "st0cfg": 10, "st0cnt": 11}


def wrmsr(cpu, name, value=0, page=None, vector=None):
    b = bytes([0, cpu, MSR[name]]) + struct.pack("<Q", value)
    if page is not None:
        b += bytes([page])
    if vector is not None:
        b += bytes([vector])
    return b


def enable(cpu, simp_page, sief_page, vector):
    return (wrmsr(cpu, "scontrol", 1) + wrmsr(cpu, "simp", 1, page=simp_page) +
            wrmsr(cpu, "siefp", 1, page=sief_page) +
            wrmsr(cpu, "sint2", 0, vector=vector))


def ack(cpu, sint=2):
    return bytes([2, cpu, sint])


posts = 0


def post(sender, conn, mtype=1, size=16):
    """Each post's payload differs, so an overwrite shows."""
    global posts
    posts += 1
    return bytes([4, sender, 0, conn, mtype - 1, size]) + bytes((posts + i) & 0xff for i in range(16))


def signal(sender, conn, flag):
    return bytes([5, sender, 0, conn, flag])


def create_msg(part, pid, sint=2, vp=0, conn_part=None):
    """vp None is HV_ANY_VP."""
    how = (0x40 if conn_part is not None else 0x00) | (0x10 if vp is None else 0x00)
    b = bytes([6, how, part, pid])
    if conn_part is not None:
        b += bytes([conn_part])
    b += bytes([sint])
    if vp is not None:
        b += bytes([vp])
    return b + struct.pack("<HH", 0, 0)


def create_event(part, pid, base, count, sint=2, vp=0):
    return bytes([6, 0x01, part, pid, sint, vp]) + struct.pack("<HH", base, count)


def connect(conn_part, cid, port_part, pid, event=False):
    return bytes([7, 0x01 if event else 0x00, conn_part, cid, port_part, pid])


def delete_port(part, pid):
    return bytes([8, 1, part, pid])


def disconnect(part, cid):
    return bytes([8, 0, part, cid])


def time(cpu, delta):
    return bytes([9, cpu]) + struct.pack("<H", delta)


def unown(page):
    return bytes([11, page])


def teardown(child):
    return bytes([10, child - 2, 0])


VMBUS = (enable(0, 0, 1, 0x50) + enable(2, 4, 5, 0xf3) +
         create_msg(0, 1, conn_part=1) + connect(1, 4, 0, 1) +
         create_msg(1, 2, conn_part=0) + connect(0, 5, 1, 2))

SEEDS = {
    "vmbus": VMBUS + post(1, 4) + post(1, 4) + ack(0) + post(0, 5) + ack(2),
    "flood": VMBUS + b"".join(post(1, 4) for _ in range(20)) +
             b"".join(ack(0) for _ in range(20)),
    "events": (VMBUS + create_event(0, 3, 16, 8) + connect(1, 6, 0, 3, event=True) +
               signal(1, 6, 1) + signal(1, 6, 1) + signal(1, 6, 9)),
    "timers": (enable(2, 4, 5, 0xf3) + wrmsr(2, "st0cfg", (2 << 16) | 8) +
               wrmsr(2, "st0cnt", 100) + time(2, 150) + ack(2) + time(2, 10)),
    "teardown": (VMBUS + post(1, 4) + post(1, 4) + post(0, 5) + post(0, 5) +
                 teardown(2) + post(1, 4) + ack(0) + connect(1, 4, 0, 1) + post(1, 4)),
    "anyvp": (enable(0, 0, 1, 0x50) + enable(1, 2, 3, 0x51) + enable(2, 4, 5, 0xf3) +
              create_msg(0, 1, vp=None, conn_part=1) + connect(1, 4, 0, 1) +
              post(1, 4) + wrmsr(0, "simp", 0, page=0) + post(1, 4) + post(1, 4) +
              wrmsr(1, "scontrol", 0) + post(1, 4)),
    "twoports": (VMBUS + wrmsr(0, "sint3", 0, vector=0x52) + create_msg(0, 3, sint=3) +
                 connect(1, 7, 0, 3) + post(1, 4) + post(1, 7) + post(1, 4) + post(1, 7) +
                 post(1, 4) + post(1, 7) + delete_port(0, 1) + ack(0, 3) + ack(0, 3)),
    "unowned": (VMBUS + create_event(0, 3, 16, 8) + connect(1, 6, 0, 3, event=True) +
                post(1, 4) + post(1, 4) + unown(0) + unown(1) + signal(1, 6, 2) +
                post(1, 4) + wrmsr(0, "eom") + unown(0) + unown(1) + ack(0)),
    "full": (enable(0, 0, 1, 0x50) + b"".join(create_event(0, i, 0, 1) for i in range(8)) +
             b"".join(create_event(1, i, 0, 1) for i in range(8)) +
             b"".join(connect(0, i, 1, i, event=True) for i in range(8)) +
             b"".join(connect(1, i, 0, i, event=True) for i in range(8))),
    "delete": (VMBUS + post(1, 4) + post(1, 4) + delete_port(0, 1) + post(1, 4) +
               disconnect(1, 4) + create_msg(0, 1) + connect(1, 4, 0, 1) + post(1, 4)),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "fuzz_synic")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
