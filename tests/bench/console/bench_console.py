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
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "system"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402
import keylat  # noqa: E402

KEYS = 40
SPINNERS = 4
PASTE = 4096

hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
iso = hvtest.scenario_iso("bench-console", add=[os.path.join(hvtest.BUILD, "guests", "spin.elf")])


def type_keys(m, tag):
    keylat.type_keys(m, tag, KEYS)
    m.expect(hvtest.PROMPT, 30)


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
events = list(keylat.serial_events(m.emu_log))
overflows = hvtest.count_in_file(m.emu_log, "receive FIFO overflow")
idle = statistics.median(keylat.round_trips(events, "idle", KEYS))
busy = statistics.median(keylat.round_trips(events, "busy", KEYS))
ok = busy <= 2 * idle and lost == 0 and overflows == 0
print("bench console_echo_idle: %d ticks (target -; median of %d keys)" % (idle, KEYS))
print("bench console_echo_%d_spinners: %d ticks (target <= %d, 2x idle)" % (SPINNERS, busy, 2 * idle))
print("bench console_paste_lost_%d_spinners: %d bytes (target 0; %d FIFO overflows in Bochs's log)"
      % (SPINNERS, lost, overflows))
sys.exit(0 if ok else 1)
