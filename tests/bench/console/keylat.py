"""Console key round trips measured inside the emulated machine (shared by
bench_console.py and bench_linux.py). Bochs with COM1 on a pseudo-terminal
and its serial debug log ("--debug-log serial") stamps each byte the UART
takes from the terminal and sends to it with the tick, so a round trip runs
from the byte entering the UART to its echo leaving it."""
import random
import re
import time


def type_keys(m, tag, keys, seed=11):
    """Type `#TAG` then `keys` letters one at a time, each after the echo of
    the one before and a random pause (so keys land anywhere in a child's
    turn), then Enter: a comment, which runs nothing."""
    m.send_bytes("#" + tag)
    m.expect(re.escape("#" + tag), 30)
    rnd = random.Random(seed)
    for i in range(keys):
        c = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        m.send_bytes(c)
        m.expect(re.escape(c), 30)
        time.sleep(rnd.uniform(0.01, 0.05))
    m.send_bytes("\r")


def serial_events(path):
    """(tick, 'read' or 'write', byte) for each byte Bochs's UART took from
    the terminal or sent to it, from its serial debug log."""
    rx = re.compile(r"^(\d+)d\[SER\s*\] com1: (read|write): '(.)'$", re.S)
    with open(path, "rb") as f:
        for raw in f:
            if b"com1: read:" in raw or b"com1: write:" in raw:
                m = rx.match(raw.decode("latin-1").rstrip("\n"))
                if m:
                    yield int(m.group(1)), m.group(2), m.group(3)


def round_trips(events, tag, keys):
    """Ticks from each key typed after '#TAG' entering the UART to its echo
    leaving it."""
    reads = [i for i, e in enumerate(events) if e[1] == "read"]
    text = "".join(events[i][2] for i in reads)
    at = text.find("#" + tag)
    assert at >= 0, "keys of %s not in Bochs's log" % tag
    out, pending = [], None
    for tick, kind, ch in events[reads[at + 1 + len(tag)]:]:
        if kind == "read":
            if ch == "\r":
                break
            pending = (tick, ch)
        elif pending and ch == pending[1]:
            out.append(tick - pending[0])
            pending = None
    assert len(out) == keys, (tag, len(out))
    return out
