#!/usr/bin/python3
"""Console responsiveness while children hog the CPU (issue 11), Bochs with
clock sync=none (the TSC counts instructions, so figures repeat) and COM1 on
a pseudo-terminal, as `make run` gives the user: Bochs moves a typed byte
into the UART every character time (115200 baud) whether or not the parent
keeps up, and a full receive FIFO loses it. Bochs's serial debug log stamps
each byte received and sent with the tick, so a round trip is measured
inside the emulated machine, from the byte entering the UART to its echo
leaving it. Prints:
  bench console_echo_idle: N ticks (target -)
  bench console_echo_4_spinners: N ticks (target <= 2x idle)
  bench console_paste_lost_4_spinners: N bytes (target 0)
"""
import os
import random
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "system"))
import hvtest  # noqa: E402

KEYS = 40
SPINNERS = 4
PASTE = 4096

hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
iso = hvtest.scenario_iso("bench-console", add=[os.path.join(hvtest.BUILD, "guests", "spin.elf")])


def type_keys(m, tag):
    """Type `# TAG` then KEYS letters one at a time, each after the echo of
    the one before and a random pause (so keys land anywhere in a child's
    turn), then Enter: a comment, which runs nothing."""
    m.send_bytes("#" + tag)
    m.expect(re.escape("#" + tag), 30)
    rnd = random.Random(11)
    for i in range(KEYS):
        c = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        m.send_bytes(c)
        m.expect(re.escape(c), 30)
        time.sleep(rnd.uniform(0.01, 0.05))
    m.send_bytes("\r")
    m.expect(hvtest.PROMPT, 30)


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


def round_trips(events, tag):
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
    assert len(out) == KEYS, (tag, len(out))
    return out


with hvtest.Machine(iso, name="bench-console", watchdog=1200, sync="none", serial="pty",
                    extra=["--debug-log", "serial"]) as m:
    m.expect(hvtest.PROMPT, 120)
    type_keys(m, "idle")
    for i in range(SPINNERS):
        m.command("New-VM -Name s%d -MemoryStartupBytes 4MB -Kernel spin.elf" % i)
        m.command("Start-VM s%d" % i)
    m.command("Get-VM", timeout=60)
    type_keys(m, "busy")
    got = hvtest.paste_comments(m, PASTE)
    lost = PASTE - got["ConsoleRxBytes"] + got["ConsoleOverruns"]
events = list(serial_events(m.emu_log))
overflows = hvtest.count_in_file(m.emu_log, "receive FIFO overflow")
idle = statistics.median(round_trips(events, "idle"))
busy = statistics.median(round_trips(events, "busy"))
ok = busy <= 2 * idle and lost == 0 and overflows == 0
print("bench console_echo_idle: %d ticks (target -; median of %d keys)" % (idle, KEYS))
print("bench console_echo_%d_spinners: %d ticks (target <= %d, 2x idle)" % (SPINNERS, busy, 2 * idle))
print("bench console_paste_lost_%d_spinners: %d bytes (target 0; %d FIFO overflows in Bochs's log)"
      % (SPINNERS, lost, overflows))
sys.exit(0 if ok else 1)
