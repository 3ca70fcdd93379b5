#!/usr/bin/python3
"""README.md's tour works as written (issue 11, item 6).

Boots what `make run` boots (build/hvpart-demo.iso with tools/demo/autorun,
and a copy of the demo host volume), checks that the demo script runs
without an error, then types every `PS C:\> ` line of README.md's tour in
order: no command may answer with an error, and the steps the tour explains
must show what it says (exit code 0 with DebugExitStatus 1, a child that is
still running for Connect-VM and Stop-VM, VM files on C:, a clean
power-off)."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
B = hvtest.BUILD
ROOT = hvtest.ROOT
# What tools/run boots: the SVM twin of the demo on an SVM platform.
DEMO = "hvpart-demo-svm.iso" if hvtest.SVM else "hvpart-demo.iso"
hvtest.run_tool(["make", "--no-print-directory", "build/" + DEMO, "build/demo-vol.img"],
                "building the demo")
d = os.path.join(B, "test-tour")
os.makedirs(d, exist_ok=True)
vol = os.path.join(d, "demo-vol.img")
# the user's copy stays as it is; a sparse copy, as the image is
subprocess.run(["cp", "--sparse=always", os.path.join(B, "demo-vol.img"), vol], check=True)

# A cmdlet's error line: "Verb-Noun : message" (lists use names without a dash).
ERROR = re.compile(r"^[A-Z][a-z]+-[A-Za-z]+ : .*$", re.M)


def tour_lines():
    """The commands of README.md's tour, in order, without their comments."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    tour = text[text.index("## A short tour of the console"):]
    tour = tour[:tour.index("\n#", 5)]          # up to the next heading
    cmds = []
    for line in tour.splitlines():
        m = re.match(r"^    PS [A-Z]:\\[^>]*> (.*?)(\s{2,}#.*)?$", line)
        if m:
            cmds.append(m.group(1).strip())
    return cmds


def no_error(cmd, out):
    bad = ERROR.findall(out)
    assert not bad, "%s: %s" % (cmd, bad)


# What the tour says some steps show.
CHECKS = {
    "Wait-VM h1": [r"h1: Off, exit code 0 \(debug exit \(port 0xf4\)\)"],
    "Get-VMConsoleLog h1": [r"hello: PASS"],
    "Get-VM h1": [r"h1\s+Off\s+0 B", r"ExitCode\s+: 0\r", r"DebugExitStatus\s+: 1\r",
                  r"VMId\s+: [0-9a-f-]{36}\r"],
    "Get-VM": [r"echo\s+Running", r"\ss\s+Running", r"h1\s+Off"],
    "Get-VM parent": [r"0\s+parent\s+Running", r"CPUID\s+: \d+"],
    "Get-VMIntegrationService -VMName linux": [r"Heartbeat\s+True\s+OK"],
    "Get-VMProcessor s": [r"\ss\s+1\s+0\s+50\s+100\r"],
    "Get-VMSnapshot -VMName s": [r"\ss\s+clean\s+Standard"],
    "Get-Date": [r"\r\n\w+day, \w+ \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d [AP]M\r\n"],
    "Get-Content readme.txt": [r"hvpart host volume"],
    "Mount-VHD C:\\vms\\notes.vhd": [r"drive V:"],
    "Get-Content C:\\Hyper-V\\s\\config.txt": [r"\[VM\]\r\n", r"Name = s\r", r"KernelArgs = mode=sti\r"],
}

def wait_linux_shell(m):
    """As a user does: look at the Linux child's console until its shell's
    prompt is there (it boots in the background during the tour)."""
    log = ""
    for _ in range(90):
        log = m.command("Get-VMConsoleLog linux", timeout=120)
        if re.search(r"\n/ # ", log):
            return
        time.sleep(10)
    raise AssertionError("the demo's Linux child reached no shell prompt:\n" + log[-2000:])


def connect(m, cmd, banner, line, answer, timeout):
    """Connect-VM, wait for banner (if any), type line, expect answer,
    detach."""
    m.send_line(cmd)
    m.expect(r"Press Ctrl-\] to detach\.", 20)
    if banner:
        m.expect(banner, 30)
    m.send_line(line)
    m.expect(answer, timeout)
    m.send_bytes("\x1d")
    m.expect(r"Detached from '\w+'\.\r\n" + hvtest.PROMPT, 20)


# As make run: 512 MiB, so the demo's Linux child (128 MB) fits.
# As make run: an e1000 on a network inside the emulator (tools/run).
with hvtest.Machine(os.path.join(B, DEMO), name="tour", megs=512, disks=[vol], watchdog=1500,
                    nic="00:15:5d:00:0a:01") as m:
    with tap.case("make run's demo script runs without an error"):
        m.expect(hvtest.PROMPT + r"# The console is yours[^\r]*\r\n" + hvtest.PROMPT, 300)
        out = m.output()
        no_error("tools/demo/autorun", out)
        assert "demo: Off, exit code 0 (debug exit (port 0xf4))" in out, out[-2000:]
        assert re.search(r"ExitCode\s+: 0\r", out) and "hello: PASS" in out, out[-2000:]

    cmds = tour_lines()
    with tap.case("README.md has a tour of at least 20 commands, ending in Stop-VMHost"):
        assert len(cmds) >= 20 and cmds[-1] == "Stop-VMHost", cmds

    for cmd in cmds:
        with tap.case("tour: %s" % cmd):
            if cmd == "Stop-VMHost":
                m.send_line(cmd)
                m.expect(r"Stopping the virtual machine host", 30)
                if not m.wait_exit(60):
                    raise hvtest.HarnessError("emulator still running after Stop-VMHost")
                continue
            if cmd == "Connect-VM linux":
                wait_linux_shell(m)
                connect(m, cmd, None, "uname -r", r"\d+\.\d+\.\d+-\d+-cloud-amd64\r?\n", 60)
                continue
            if cmd.startswith("Stop-VM linux"):
                out = m.command(cmd, timeout=300)
                no_error(cmd, out)
                out = m.command("Get-VM linux")
                assert re.search(r"linux\s+Off", out) and re.search(r"StopReason\s*:\s*power off", out), out
                continue
            if cmd.startswith("Connect-VM "):
                # The guest resets its UART's FIFO when it starts, as any
                # 16550 driver does, so a line typed before "ready" is gone:
                # a user waits for the banner, and so does the test.
                connect(m, cmd, r"mb2echo ready", "hello from the tour", r"echo: hello from the tour", 30)
                continue
            out = m.command(cmd, timeout=120)
            no_error(cmd, out)
            for pat in CHECKS.get(cmd, []):
                assert re.search(pat, out), (cmd, pat, out)
tap.done()
