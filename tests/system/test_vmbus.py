#!/usr/bin/python3
"""VMBus on the wire (issue 13, step 3): the vsc guest (tests/guests/vsc)
posts INITIATE_CONTACT through its SynIC to connection 4; hv routes it to
the parent's port for that child, the parent's VMBus host
(partition/vsp/) answers VERSION_RESPONSE into the guest's SIM slot. A
hostile run posts what hv must refuse and floods the host's port; the
parent stays responsive and hv's pool is given back."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
G = os.path.join(hvtest.BUILD, "guests")
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
iso = hvtest.scenario_iso("vmbus", add=[os.path.join(G, "vsc.elf")])


def host_pool(m):
    out = m.command("Get-VMHost")
    return int(re.search(r"HvPoolFreeBytes\s*:\s*(\d+)", out).group(1))


def run_vsc(m, name, args=""):
    m.command('New-VM -Name %s -MemoryStartupBytes 8MB -Kernel vsc.elf -KernelArgs "%s"' % (name, args))
    m.command("Start-VM %s" % name)
    wait = m.command("Wait-VM %s -Timeout 300" % name, timeout=330)
    log = m.command("Get-VMConsoleLog %s" % name)
    m.command("Remove-VM %s" % name)
    return wait, log


with hvtest.Machine(iso, name="vmbus", watchdog=900) as m:
    m.expect(hvtest.PROMPT, 90)

    with tap.case("vsc negotiates VMBus 5.3 with the parent's host (VERSION_RESPONSE, msg_conn_id 4)"):
        wait, log = run_vsc(m, "v1")
        assert "vsc: PASS" in log and "exit code 0" in wait, log + wait
        assert "negotiated version 0x50003" in log, log
        assert "HvSignalEvent to the host, its signal back in SIEF slot 2: ok" in log, log
        assert re.search(r"VERSION_RESPONSE type 15 for 0x50003: supported 1, state 0, "
                         r"msg_conn_id 4, origin 0x1, [1-9]\d* interrupts", log), log

    with tap.case("hostile vsc: bad posts refused, a flood bounded, the host still answers"):
        pool1 = host_pool(m)
        wait, log = run_vsc(m, "v2", "mode=hostile")
        assert "vsc: PASS" in log, log
        assert re.search(r"flood of 2000: \d+ accepted, \d+ INSUFFICIENT_BUFFERS, 0 other", log), log

    with tap.case("hv's pool after the hostile VM is removed is as before it"):
        assert host_pool(m) == pool1, (host_pool(m), pool1)

    with tap.case("HypercallValidation (SINT 5) leaves the VMBus host working"):
        out = m.command("Debug-VMHost HypercallValidation", timeout=60)
        assert re.search(r"HypercallValidation: (\d+) checks, 0 failed", out), out
        wait, log = run_vsc(m, "v3")
        assert "negotiated version 0x50003" in log and "vsc: PASS" in log, log

    with tap.case("GPADL pages through hv: refusals, counts, held after delete, scrubbed at release"):
        for line in ("gpadl map: three good pages and a bad one", "refused maps mapped nothing",
                     "gpadl map: hv's page number (0x200)", "gpadl map: the same page twice",
                     "gpadl view: shows what the pages hold", "gpadl counters: both pages held",
                     "gpadl view: held pages unscrubbed and writable",
                     "released held pages are the parent's, scrubbed",
                     "gpadl: parent pages and vmap window as before"):
            assert re.search(re.escape(line) + r".*ok", out), (line, out)
        host = m.command("Get-VMHost")
        assert re.search(r"GpadlPages\s*:\s*0\b", host) and re.search(r"GpadlHeldPages\s*:\s*0\b", host), host

    with tap.case("the parent stays responsive"):
        out = m.command("Get-VM")
        assert "v1" not in out and "v2" not in out, out
tap.done()
