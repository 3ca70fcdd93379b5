#!/usr/bin/python3
"""SynIC in hv (issue 13, steps 1 and 2): a child's SynIC MSRs, reference
time, synthetic timers (direct, message, periodic on an AutoEOI SINT) and
the SynIC hypercalls it may and may not make (tests/guests/synic/). The
parent's own SynIC and port calls are checked by Debug-VMHost
HypercallValidation (test_children)."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
G = os.path.join(hvtest.BUILD, "guests")
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
iso = hvtest.scenario_iso("synic", add=[os.path.join(G, "synic.elf")])


def host_pool(m):
    out = m.command("Get-VMHost")
    return int(re.search(r"HvPoolFreeBytes\s*:\s*(\d+)", out).group(1))


def run_synic(m, name):
    m.command('New-VM -Name %s -MemoryStartupBytes 8MB -Kernel synic.elf' % name)
    m.command("Start-VM %s" % name)
    wait = m.command("Wait-VM %s -Timeout 300" % name, timeout=330)
    log = m.command("Get-VMConsoleLog %s" % name)
    m.command("Remove-VM %s" % name)
    return wait, log


with hvtest.Machine(iso, name="synic", watchdog=900) as m:
    m.expect(hvtest.PROMPT, 90)

    with tap.case("synic guest: CPUID, MSRs, reference time, timers, hypercalls"):
        wait, log = run_synic(m, "s1")
        assert "synic: PASS" in log and "exit code 0" in wait, log + wait
        assert "FAILED" not in log, log
        assert log.count(": ok") >= 25, log

    with tap.case("a second run leaves hv's pool as the first left it (SynIC buffers freed)"):
        # The first VM split the parent's large EPT pages for good; from
        # then on a VM's life must give back every pool page it took.
        pool1 = host_pool(m)
        wait, log = run_synic(m, "s2")
        assert "synic: PASS" in log, log
        assert host_pool(m) == pool1, (host_pool(m), pool1)

    with tap.case("a guest crash report (CRASH_CTL CrashNotify) stops the VM with P0-P4 as its reason"):
        m.command('New-VM -Name s3 -MemoryStartupBytes 8MB -Kernel synic.elf -KernelArgs "crash=1"')
        m.command("Start-VM s3")
        wait = m.command("Wait-VM s3 -Timeout 300", timeout=330)
        out = m.command("Get-VM s3")
        assert re.search(r"s3\s+Off", out), out
        assert re.search(r"StopReason\s*:\s*guest crash: e2 8100000000000000 c0ffee 0 7000", out), out
        log = m.command("Get-VMConsoleLog s3")
        assert "still running" not in log and "FAILED" not in log, log
        m.command("Remove-VM s3")

    with tap.case("the parent still answers"):
        out = m.command("Get-VM")
        assert "s1" not in out and "s2" not in out, out
tap.done()
