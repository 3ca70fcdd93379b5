#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_gpadl (tests/fuzz/fuzz_gpadl.c) to
tests/fuzz/seeds/fuzz_gpadl/: step sequences to start from (maps and
unmaps, a delete with pages mapped, hv's pool running dry, hostile page
layouts, a page counted to its limit). The encoding mirrors the step_*
decoders; host pages 0 and 1 are hv's, 2..47 the parent's."""
import os

CREATE, MAP, UNMAP, DELETE, WRITE, POOL = 0, 1, 3, 5, 6, 7


def create(slot, pages):
    """pages: per page number, ('dep', host page), ('alias', host page),
    ('out', k) for an address past the table, or None for a hole."""
    b = bytes([CREATE, slot, len(pages) - 1])
    for p in pages:
        if p is None:
            b += bytes([0xc0])
        elif p[0] == 'dep':
            b += bytes([p[1]])
        elif p[0] == 'alias':
            b += bytes([0x80 | p[1]])
        else:
            b += bytes([0xc1 | (p[1] << 1)])
    return b


def mapc(slot, gpfns, v=None, flags=0):
    v = len(gpfns) - 1 if v is None else v
    return bytes([MAP, v, flags, slot]) + bytes(gpfns)


def unmap_live(idx):
    return bytes([UNMAP, len(idx) - 1]) + bytes(idx)


def unmap_raw(vals):
    return bytes([UNMAP, 0x80 | (len(vals) - 1)]) + bytes(vals)


def deposit(first, n):
    return [('dep', first + i) for i in range(n)]


SEEDS = {
    "basic": create(0, deposit(2, 8)) + mapc(0, [0, 1, 2, 3]) + mapc(0, [3, 2]) +
    unmap_live([0, 1]) + unmap_live([0]) + unmap_raw([4, 5, 0x85]),
    "delete_held": create(0, deposit(2, 6)) + mapc(0, [0, 1, 2]) + mapc(0, [1]) +
    bytes([WRITE, 3, 0x42]) + bytes([DELETE, 0]) + unmap_live([0]) + unmap_live([0, 1]) +
    unmap_live([0]) + create(0, deposit(2, 4)) + mapc(0, [0, 1]),
    "pool": create(0, deposit(10, 8)) + mapc(0, [7]) + bytes([POOL, 5]) +
    mapc(0, [0, 7, 1, 2, 3]) + bytes([POOL, 0]) + mapc(0, [0, 7, 1, 2, 3]) +
    unmap_live([0, 1, 2]),
    "hostile": create(1, deposit(20, 4) + [('alias', 0), ('alias', 21), ('alias', 30),
                                           ('out', 3), None]) +
    mapc(1, [0, 5]) + mapc(1, [4]) + mapc(1, [6]) + mapc(1, [7]) + mapc(1, [8]) +
    mapc(1, [2, 2]) + mapc(1, [0], v=250) + mapc(1, [0, 1], flags=0xff) +
    mapc(1, [0, 1, 2, 3]) + unmap_live([0, 0]) + unmap_raw([0x96, 1]) +
    # count 511 last: its 510 page-number bytes take the rest of the input
    mapc(1, [0], v=251),
    "refmax": create(0, deposit(2, 2)) + mapc(0, [0]) * 130 + unmap_live([0]) * 3,
    "two_kids": create(0, deposit(2, 4)) + create(1, deposit(6, 2) + [('alias', 2)]) +
    mapc(0, [0, 1]) + mapc(1, [0, 1, 2]) + bytes([DELETE, 0]) + mapc(1, [2]) +
    unmap_live([0, 1, 2, 3]) + bytes([DELETE, 1]),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "fuzz_gpadl")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as fh:
        fh.write(data)
