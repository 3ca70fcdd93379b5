#!/usr/bin/python3
"""The parent keeps its console while children hog the CPU (issue 11).

Done as a user of `make run` does it: COM1 is a terminal (a pseudo-terminal
here), so Bochs moves each typed byte into the UART at the line rate whether
or not the parent keeps up, and a full receive FIFO loses bytes. The guests
are spin.elf, which does CLI and loops for ever: only hv can take the CPU
back from it. Each case waits until the spinners print that they spin, so
the console is tested while they do, not while they still talk to the
parent through port intercepts."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
iso = hvtest.scenario_iso("console-input", add=[os.path.join(hvtest.BUILD, "guests", "spin.elf")])
SPINNING = "spin: spinning forever with interrupts off"


def start_spinner(m, name, mem="16MB"):
    out = m.command("New-VM -Name %s -MemoryStartupBytes %s -Kernel spin.elf" % (name, mem))
    assert re.search(r"%s\s+Off" % name, out), out
    m.command("Start-VM %s" % name)
    deadline = time.monotonic() + 60
    while SPINNING not in m.command("Get-VMConsoleLog %s" % name, timeout=60):
        assert time.monotonic() < deadline, "%s never reached its loop" % name
        time.sleep(0.5)


def type_slowly(m, text, gap=0.12):
    """One key every `gap` seconds, as a person types."""
    for ch in text:
        m.send_bytes(ch)
        time.sleep(gap)


with hvtest.Machine(iso, name="console-input", watchdog=1500, serial="pty") as m:
    m.expect(hvtest.PROMPT, 120)

    with tap.case("Wait-VM -Timeout 5 on a child spinning with interrupts off times out, and the console answers"):
        start_spinner(m, "s")
        t0 = time.monotonic()
        out = m.command("Wait-VM s -Timeout 5", timeout=90)
        assert "Wait-VM : Timed out after 5 s; 's' is still running." in out, out
        assert time.monotonic() - t0 < 60, time.monotonic() - t0
        out = m.command("Get-VM s", timeout=30)
        assert re.search(r"\d+\s+s\s+Running", out), out

    with tap.case("a command typed one key every 0.12 s while it spins arrives whole and runs"):
        type_slowly(m, "Get-VM s # typed slowly")
        m.send_bytes("\r")
        m.expect(r"Get-VM s # typed slowly\r\n", 30)
        m.expect(r"\d+\s+s\s+Running", 30)
        m.expect(hvtest.PROMPT, 30)

    with tap.case("input typed while Wait-VM waits stays for the console and runs after it"):
        m.send_line("Wait-VM s -Timeout 4")
        m.expect(r"Wait-VM s -Timeout 4\r\n", 30)
        type_slowly(m, "Get-VM s # typed ahead\r", gap=0.05)
        m.expect(r"Timed out after 4 s", 60)
        m.expect(r"Get-VM s # typed ahead\r\n", 30)
        m.expect(r"\d+\s+s\s+Running", 30)
        m.expect(hvtest.PROMPT, 30)

    with tap.case("Ctrl-C ends a Wait-VM without a timeout on a spinning child"):
        m.send_line("Wait-VM s")
        m.expect(r"Wait-VM s\r\n", 30)
        time.sleep(2)
        m.send_bytes("\x03")
        m.expect(r"Interrupted; 's' is still running\.", 30)
        m.expect(hvtest.PROMPT, 30)

    with tap.case("four spinners: a 4 KiB paste reaches the console whole, every byte counted and echoed"):
        for i in range(1, 4):
            start_spinner(m, "s%d" % i, mem="4MB")
        got = hvtest.paste_comments(m, 4096)
        assert got == {"ConsoleRxBytes": 4096, "ConsoleOverruns": 0, "ConsoleRxDropped": 0}, got

    with tap.case("pasted commands run one after another, in order, while four children spin"):
        names = ["s", "s1", "s2", "s3"]
        m.send_bytes("".join("Get-VM %s\r" % n for n in names) + "Get-VMHost\r")
        for n in names:
            m.expect(r"Get-VM %s\r\n" % n, 60)
            m.expect(r"\d+\s+%s\s+Running" % n, 60)
        m.expect(r"Get-VMHost\r\n", 60)
        m.expect(r"HypervisorVersion", 60)
        m.expect(hvtest.PROMPT, 60)

    with tap.case("the UART never overran in the whole run (Bochs's log; the parent's counters)"):
        # QEMU's UART takes a byte from the terminal only when its FIFO
        # has room, so only Bochs's can overrun, and only Bochs logs it.
        if m.backend == "bochs":
            assert hvtest.count_in_file(m.emu_log, "receive FIFO overflow") == 0
        out = hvtest.console_counters(m)
        assert out["ConsoleOverruns"] == 0 and out["ConsoleRxDropped"] == 0, out

    with tap.case("the spinners stop on request and the console still works"):
        for n in ("s", "s1", "s2", "s3"):
            m.command("Stop-VM %s -TurnOff" % n, timeout=60)
        out = m.command("Get-VM", timeout=60)
        for n in ("s", "s1", "s2", "s3"):
            assert re.search(r"\d+\s+%s\s+Off\s+0 B" % n, out), out
        assert re.search(r"0\s+parent\s+Running", out), out
tap.done()
