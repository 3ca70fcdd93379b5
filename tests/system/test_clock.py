#!/usr/bin/python3
"""The parent's clock (issue 11, item 3): Get-Date, file times on C: and
gettimeofday follow the real-time clock, not a count that runs fast.

Run 1 (Bochs, clock sync=realtime): the emulated timers and RTC follow the
host's clock, so Get-Date must agree with the host's time.time() within a
second at the prompt, after a long idle stretch and after a stretch with a
child keeping the CPU busy; files created on C: get modification times the
host reads back with debugfs, each within a second of when it was made.
(Before the fix, Bochs's RTC ran on emulated time, which races ahead while
the CPU halts: files made 10 s apart were stamped minutes apart.)

Run 2 (Bochs, clock sync=none): emulated time follows instructions and runs
far faster than real time while the parent idles, so an hour passes in a few
minutes. Start-Sleep -Seconds 3600 waits an hour of PIT ticks; Get-Date
before and after must be 3600 s apart (a lost or double-counted tick shows
up), and Get-Date just before Stop-VMHost must match the time Bochs's own
RTC holds when it exits ("Last time is N" in its log). On QEMU SVM run 2
is QEMU with -icount and its RTC on that clock (tools/run-qemu --icount),
whose idle time is skipped as Bochs's is; the last check, which reads
Bochs's log, is Bochs's alone."""
import calendar
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
B = hvtest.BUILD
D = os.path.join(B, "test-clock")
os.makedirs(os.path.join(D, "vol"), exist_ok=True)
os.environ["PATH"] += ":/sbin:/usr/sbin"
with open(os.path.join(D, "vol", "readme.txt"), "w") as f:
    f.write("clock test volume\n")
IMG = os.path.join(D, "vol.img")
hvtest.run_tool([os.path.join(hvtest.ROOT, "tools", "mkvol"), os.path.join(D, "vol"), IMG,
                 "--size", "8M"], "mkvol")
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
iso = hvtest.scenario_iso("clock", add=[os.path.join(B, "guests", "spin.elf")])

# The idle and busy stretches: a clock that ran even 4% fast would be off
# by more than the second allowed (the bug this guards against ran many
# times fast: files made 10 s apart were stamped minutes apart).
IDLE_S, BUSY_S = 45, 30
ISO_O = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{7})\+00:00")


def get_date(m):
    """Get-Date -Format o as seconds since 1970, with the host's time just
    before the command was sent and just after its answer came."""
    before = time.time()
    out = m.command("Get-Date -Format o")
    after = time.time()
    g = ISO_O.search(out)
    assert g, repr(out)
    t = calendar.timegm(tuple(int(x) for x in g.groups()[:6])) + int(g.group(7)) / 1e7
    return t, before, after


def within_a_second(m, what):
    t, before, after = get_date(m)
    assert before - 1 <= t <= after + 1, \
        "%s: Get-Date %.3f, host %.3f..%.3f (off by %+.3f s)" % (what, t, before, after,
                                                                   t - (before + after) / 2)


def new_file(m, name):
    before = time.time()
    out = m.command("New-Item %s" % name)
    after = time.time()
    assert "error" not in out.lower() and "Cannot" not in out, out
    return before, after


def mtime(path):
    out = subprocess.run(["debugfs", "-R", "stat %s" % path, IMG], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT).stdout.decode(errors="replace")
    g = re.search(r"mtime: (0x[0-9a-f]+)", out)
    assert g, out
    return int(g.group(1), 16)


made = {}
with hvtest.Machine(iso, name="clock-realtime", sync="realtime", disks=[IMG], watchdog=900) as m:
    m.expect(hvtest.PROMPT, 120)

    with tap.case("realtime: Get-Date at the prompt agrees with the host's clock within a second"):
        # Bochs's realtime timers (the RTC among them) fall behind the host
        # while it emulates the boot flat out on a loaded machine, and catch
        # up once the CPU idles: give them a moment, then compare.
        time.sleep(3)
        within_a_second(m, "at the prompt")

    with tap.case("Get-Date's default form is PowerShell's; -UFormat %s counts seconds since 1970"):
        out = m.command("Get-Date")
        assert re.search(r"\r\n(Sunday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday), "
                         r"(January|February|March|April|May|June|July|August|September|"
                         r"October|November|December) \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d [AP]M\r\n",
                         out), repr(out)
        before = time.time()
        out = m.command("Get-Date -UFormat %s")
        s = int(re.search(r"^(\d+)\r$", out, re.M).group(1))
        assert int(before) - 1 <= s <= time.time() + 1, (s, before)
        out = m.command("Get-Date -Format yyyy-MM-ddTHH:mm:ss -UFormat %s")
        assert "Parameter set cannot be resolved" in out, out
        out = m.command("Get-Date -Format ffffffff")
        assert "Get-Date : Input string was not in a correct format." in out, out

    with tap.case("a file created on C: is stamped with the host's time"):
        made["first.txt"] = new_file(m, "first.txt")

    with tap.case("after %d s idle Get-Date is still within a second of the host's clock" % IDLE_S):
        time.sleep(IDLE_S)
        within_a_second(m, "after %d s idle" % IDLE_S)
        made["idle.txt"] = new_file(m, "idle.txt")

    with tap.case("after %d s with a child spinning, Get-Date is still within a second" % BUSY_S):
        m.command('New-VM -Name s -MemoryStartupBytes 4MB -Kernel spin.elf -KernelArgs "mode=sti"')
        out = m.command("Start-VM s")
        assert "error" not in out.lower(), out
        time.sleep(BUSY_S)
        within_a_second(m, "after %d s busy" % BUSY_S)
        made["busy.txt"] = new_file(m, "busy.txt")
        out = m.command("Stop-VM s -TurnOff")
        assert "Stop-VM" in out, out

    m.send_line("Stop-VMHost")
    m.expect(r"Stopping the virtual machine host", 30)
    if not m.wait_exit(60):
        raise hvtest.HarnessError("emulator still running after Stop-VMHost")

with tap.case("debugfs: each file's modification time is within a second of its creation"):
    for name, (before, after) in made.items():
        t = mtime("/" + name)
        assert int(before) - 1 <= t <= int(after) + 1, (name, t, before, after)
    gap = mtime("/idle.txt") - mtime("/first.txt")
    want = made["idle.txt"][0] - made["first.txt"][1]
    assert abs(gap - want) <= 2, ("idle.txt - first.txt", gap, want)

# ---- run 2: an hour of emulated time -----------------------------------------
with hvtest.Machine(iso, name="clock-hour", sync="none", watchdog=1200) as m:
    m.expect(hvtest.PROMPT, 120)
    with tap.case("sync=none: Start-Sleep -Seconds 3600 is an hour by Get-Date too"):
        t0 = get_date(m)[0]
        wall = time.time()
        out = m.command("Start-Sleep -Seconds 3600", timeout=900)
        assert out.strip() == "Start-Sleep -Seconds 3600", repr(out)
        t1 = get_date(m)[0]
        assert abs((t1 - t0) - 3600) <= 1, (t0, t1, t1 - t0)
        print("# an emulated hour took %.0f s of real time" % (time.time() - wall))
    with tap.case("Start-Sleep keeps what is typed meanwhile, and Ctrl-C ends it"):
        m.send_bytes("Start-Sleep -Seconds 2\rGet-VM parent\r")   # typed during the sleep
        m.expect(r"0\s+parent\s+Running", 60)
        m.expect(hvtest.PROMPT, 30)
        m.send_line("Start-Sleep -Seconds 86400")                   # a day: hours of real time
        m.expect(r"Start-Sleep -Seconds 86400\r\n", 10)
        m.send_bytes("\x03")
        m.expect(hvtest.PROMPT, 60)
    RTC_CASE = "Get-Date matches Bochs's RTC when the machine powers off"
    if m.backend != "bochs":   # QEMU -icount (tools/run-qemu --icount): no RTC log
        tap.skip(RTC_CASE, "Bochs only: Bochs logs its RTC's last time")
    else:
        with tap.case(RTC_CASE):
            t2 = get_date(m)[0]
            m.send_line("Stop-VMHost")
            m.expect(r"Stopping the virtual machine host", 30)
            if not m.wait_exit(60):
                raise hvtest.HarnessError("emulator still running after Stop-VMHost")
            with open(m.emu_log, errors="replace") as f:
                last = int(re.search(r"Last time is (\d+)", f.read()).group(1))
            # Bochs logs its RTC in whole seconds, a moment after Get-Date ran.
            assert int(t2) - 1 <= last <= t2 + 2, (t2, last)
tap.done()
