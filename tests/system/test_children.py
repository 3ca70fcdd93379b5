#!/usr/bin/python3
"""Child partitions (issue 3): create, start, stop and delete guests from
the parent console, isolated by EPT. Test guests: tests/guests/."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
B = hvtest.BUILD
G = os.path.join(B, "guests")
hvtest.run_tool(["make", "--no-print-directory", "guests", "build/guests/mb2echo.elf"], "building guests")
d = os.path.join(B, "test-iso")
os.makedirs(d, exist_ok=True)
junk = os.path.join(d, "notakernel.txt")
with open(junk, "w") as f:
    f.write("just some text\n")
files = [os.path.join(G, n) for n in ("hello.elf", "hello-mb2.elf", "hello-low.elf", "timer.elf", "ids.elf",
                                      "spin.elf", "hostile.elf", "mb2echo.elf", "counter.elf", "smp.elf")] + [junk]
iso = hvtest.scenario_iso("children", add=files)


def run(m, name, kernel, args="", mem="8MB", timeout=120):
    """New-VM + Start-VM + Wait-VM; returns (Wait-VM output, console log)."""
    out = m.command('New-VM -Name %s -MemoryStartupBytes %s -Kernel %s -KernelArgs "%s"'
                    % (name, mem, kernel, args))
    assert "Off" in out, out
    out = m.command("Start-VM %s" % name)
    assert out.strip() == "Start-VM %s" % name, repr(out)
    wait = m.command("Wait-VM %s -Timeout %d" % (name, timeout), timeout=timeout + 30)
    log = m.command("Get-VMConsoleLog %s" % name)
    return wait, log


def burst_ticks(m, name):
    """TSC ticks hello took to write 20 lines to COM1 (one intercept a
    byte): the best of three bursts, as an emulator loses stretches of host
    time to the host's other work at random (under QEMU, whose TSC is the
    host's, one such stretch can be as long as a whole burst)."""
    wait, log = run(m, name, "hello.elf", "burst=20 bursts=3", mem="4MB", timeout=300)
    assert "%s: Off, exit code 0" % name in wait, wait
    found = [int(t) for t in re.findall(r"hello: burst 20 lines in (\d+) TSC ticks", log)]
    assert len(found) == 3, log
    ran = sum(vp_seconds(m, name))
    m.command("Remove-VM %s" % name)
    print("# %s: bursts of %s TSC ticks; it ran %.3f s in the guest" % (name, ", ".join(map(str, found)), ran))
    return min(found)


def vp_seconds(m, name):
    """Get-VMProcessor's VirtualProcessorRunTime: seconds each vCPU has run."""
    out = m.command("Get-VMProcessor %s | Format-List" % name)
    t = re.search(r"VirtualProcessorRunTime\s*:\s*([^\r\n]*)", out)
    assert t, out
    return [float(x) for x in re.findall(r"vCPU \d+: (\d+\.\d+) s", t.group(1))]


def run_deltas(m, names, secs):
    """How long each VM ran in the guest over secs seconds of this test's
    clock, as Get-VMProcessor reports it."""
    before = [sum(vp_seconds(m, n)) for n in names]
    time.sleep(secs)
    after = [sum(vp_seconds(m, n)) for n in names]
    d = [b - a for a, b in zip(before, after)]
    print("# run time over %d s: %s" % (secs, ", ".join("%s %.3f s" % x for x in zip(names, d))))
    assert min(d) > 0.05, d
    return d


def set_ok(m, cmd):
    out = m.command(cmd)
    assert out.strip() == cmd, repr(out)


def info(m, name):
    return m.command("Get-VM %s" % name)


def counter_lines(log):
    """The counter guest's lines: (tick, count, gap) each."""
    return [tuple(int(x) for x in t) for t in re.findall(r"counter: tick (\d+) count (\d+) gap (\d+)\r", log)]


def wait_counter(m, name, ticks, timeout=120):
    """Get-VMConsoleLog until the counter guest has printed tick >= ticks."""
    end = time.time() + timeout
    while True:
        log = m.command("Get-VMConsoleLog %s" % name)
        lines = counter_lines(log)
        if lines and lines[-1][0] >= ticks:
            return log, lines
        assert time.time() < end, log
        time.sleep(1)


with hvtest.Machine(iso, name="children", watchdog=1200) as m:
    m.expect(hvtest.PROMPT, 90)

    with tap.case("hello (Multiboot v1) exits through port 0xf4: the guest's own code 0, Off, no memory"):
        wait, log = run(m, "h1", "hello.elf", "exit=0")
        assert "h1: Off, exit code 0 (debug exit (port 0xf4))" in wait, wait
        assert "hello from the child partition" in log and "hello: PASS" in log, log
        assert 'cmdline "exit=0"' in log, log
        out = info(m, "h1")
        # Hyper-V's words: a VM that is not running is Off and holds no memory.
        assert re.search(r"\n1\s+h1\s+Off\s+0 B\s+1\s+00:00:00", out), out
        assert re.search(r"ExitCode\s+: 0\r", out), out
        assert re.search(r"DebugExitStatus\s+: 1\r", out), out
        assert re.search(r"IoPort\s+: [1-9]\d*", out), out

    with tap.case("exit=5 gives exit code 5; Get-VM shows QEMU's DebugExitStatus 11 beside it"):
        wait, log = run(m, "h2", "hello.elf", "exit=5")
        assert "h2: Off, exit code 5 " in wait, wait
        out = info(m, "h2")
        assert re.search(r"ExitCode\s+: 5\r", out) and re.search(r"DebugExitStatus\s+: 11\r", out), out

    with tap.case("hello-mb2 (Multiboot v2) boots with its command line"):
        wait, log = run(m, "h3", "hello-mb2.elf", "id=7 exit=0")
        assert "exit code 0" in wait and "boot multiboot2" in log and "hello: PASS" in log, log

    with tap.case("a kernel linked at 0x8000 boots; its boot information lies outside its image"):
        wait, log = run(m, "low", "hello-low.elf", "exit=0 low")
        assert "exit code 0" in wait and "hello: PASS" in log and 'cmdline "exit=0 low"' in log, log
        mt = re.search(r"image 0x([0-9a-f]+)-0x([0-9a-f]+), boot information at 0x([0-9a-f]+)", log)
        assert mt, log
        lo, hi, at = (int(x, 16) for x in mt.groups())
        assert lo == 0x8000 and not lo <= at < hi, log
        m.command("Remove-VM low")

    with tap.case("timer: LAPIC periodic, one-shot and TSC-deadline interrupts at the programmed rate"):
        # Each period is checked to 10%. The parent's 100 Hz PIT interrupt
        # costs a child about 10,000 Bochs ticks (a few VM exits); with 2 ms
        # periods (count=100000) a tick landing in the one-shot's window
        # failed it by boot-timing luck, so the periods are 20 ms here.
        # On QEMU TCG (qemu-svm) the TSC is the host's (~2 GHz) and an exit
        # costs ~60-90 us of real time, so the same 20 ms is count=40000000.
        # There single periods scatter by up to 8 ms while their mean is
        # right (CI once: 33-47 M ticks for 40 M), so each one is held to
        # 50 % and the mean of ten to 10 %; Bochs keeps 10 % for each.
        args = "count=40000000 jitter=50" if hvtest.PLATFORM == "qemu-svm" else "count=1000000"
        wait, log = run(m, "t1", "timer.elf", args)
        assert "timer: PASS" in log and "exit code 0" in wait, log
        assert "skipped" not in log, log

    with tap.case("four children run at once, each printing its own hv partition id"):
        for i in range(4):
            m.command('New-VM -Name c%d -MemoryStartupBytes 4MB -Kernel ids.elf -KernelArgs "delay=200000"' % i)
        for i in range(4):
            m.command("Start-VM c%d" % i)
        ids = {}
        for i in range(4):
            w = m.command("Wait-VM c%d -Timeout 120" % i, timeout=150)
            assert "exit code 0" in w, w
            pid = int(re.search(r"PartitionId\s+: (\d+)", info(m, "c%d" % i)).group(1))
            log = m.command("Get-VMConsoleLog c%d" % i)
            assert "ids: partition %d\r" % pid in log and "ids %d tick 10" % pid in log, log
            ids[i] = pid
        assert len(set(ids.values())) == 4, ids

    with tap.case("each VM has its own Id (1, 2, ... in creation order) and VMId, not Id 1 for all"):
        out = m.command("Get-VM")
        rows = re.findall(r"^(\d+)\s+(\S+)\s+(Running|Off)\s", out, re.M)
        # Id 4 was "low" (hello-low, removed above): ids are never reused in a boot.
        want = {"parent": 0, "h1": 1, "h2": 2, "h3": 3, "t1": 5, "c0": 6, "c1": 7, "c2": 8, "c3": 9}
        assert {n: int(i) for i, n, _ in rows} == want, out
        guids = set()
        for n in want:
            g = re.search(r"VMId\s+: (\S+)\r", info(m, n)).group(1)
            if n == "parent":
                assert g == "-", g
                continue
            assert re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", g), g
            guids.add(g)
        assert len(guids) == 8, guids

    with tap.case("timer: the same checks waiting for each interrupt in HLT, as an idle OS does"):
        # timer.elf's "cli; test; sti; hlt" loop resumes at a CLI after
        # each HLT exit: under QEMU an STI shadow hv's own VMRUN left to
        # the guest's first instruction kept every interrupt offered
        # through V_IRQ from it, and the guest waited for ever
        # (docs/ARCHITECTURE.md, "QEMU 7.2's TCG delivers an EVENTINJ
        # interrupt twice").
        args = "count=40000000 jitter=50" if hvtest.PLATFORM == "qemu-svm" else "count=1000000"
        try:
            wait, log = run(m, "t2", "timer.elf", args + " wait=hlt")
            assert "timer: PASS" in log and "exit code 0" in wait and "waits in HLT" in log, (wait, log)
        finally:
            if "Running" in info(m, "t2"):
                m.command("Stop-VM t2 -TurnOff")
            m.command("Remove-VM t2")

    with tap.case("timer: 400 one-shots, each waking a \"sti; hlt\", none lost"):
        # hv's exits land everywhere in the guest's "sti; hlt" here. Under
        # QEMU one between the two lost the STI shadow at the next VMRUN,
        # the vector went in before the HLT, and the HLT then waited for
        # ever (hv/arch/x86/svm/svm_exit.c, shadowed_hlt; 4 of 40
        # apicbase.elf runs and test_vcpu in CI run 34).
        try:
            wait, log = run(m, "t3", "timer.elf", "wakes=400", timeout=300)
            assert "400 one-shot wake-ups" in log and "exit code 0" in wait, (wait, log)
        finally:
            if "Running" in info(m, "t3"):
                m.command("Stop-VM t3 -TurnOff")
            m.command("Remove-VM t3")

    with tap.case("hostile: own memory all there; parent-only hypercalls denied; bogus MSRs/ports; triple fault stops it"):
        wait, log = run(m, "x", "hostile.elf", "mode=all mem=8")
        assert "own ok" in log and "hostile: PASS calls" in log, log
        assert "triple fault" in wait, wait
        assert "status 6 (want 6)" in log and "check failed" not in log, log

    for mode, addr in (("read", "0x800000"), ("write", "0x800000"), ("read", "0x10000000"),
                       ("write", "0xfee00000"), ("read", "0xfffff000")):
        with tap.case("hostile %s at %s (outside its memory): nothing answers, all ones" % (mode, addr)):
            name = "x%s%s" % (mode[0], addr[2:6])
            wait, log = run(m, name, "hostile.elf", "mode=%s addr=%s" % (mode, addr))
            assert "exit code 0" in wait, wait
            assert "nothing there (read 0xffffffff)" in log and "FAIL" not in log, log
            m.command("Remove-VM %s" % name)

    with tap.case("hostile sweep: every page to 64 MiB past its RAM and every MiB to 4 GiB; its own RAM intact"):
        wait, log = run(m, "xsweep", "hostile.elf", "mode=sweep mem=8", timeout=300)
        assert "exit code 0" in wait and "hostile: PASS" in log, log
        n = int(re.search(r"sweep ok: (\d+) addresses", log).group(1))
        assert n >= 14000 + 4000, log
        assert "own ok" in log, log
        m.command("Remove-VM xsweep")

    with tap.case("hostile jumping outside its memory is stopped by hv"):
        wait, log = run(m, "xexec", "hostile.elf", "mode=exec addr=0x10000000")
        assert "touched memory it does not own (fetch" in wait, wait
        assert "FAIL" not in log, log
        m.command("Remove-VM xexec")

    with tap.case("partition hypercalls refuse unaligned, out-of-range, overlapping and foreign input, changing nothing"):
        out = m.command("Debug-VMHost HypercallValidation", timeout=60)
        assert re.search(r"HypercallValidation: (\d+) checks, 0 failed", out), out
        assert int(re.search(r"HypercallValidation: (\d+) checks", out).group(1)) >= 20, out
        assert "FAIL" not in out, out

    with tap.case("SaveRestore: a counting guest goes on in a new partition, LAPIC timer firing, TSC where it stopped"):
        # Debug-VMHost -Action SaveRestore suspends the VM's partition,
        # exports its vCPU context, copies its memory, builds a new
        # partition from both and starts it (docs/hypercalls.md "vCPU
        # context"). The guest must neither restart nor lose count, and
        # its time must have stood still: the longest TSC gap between two
        # of its timer ticks stays far below the time it was suspended.
        # Periods of 4 ms on Bochs; 20 ms on QEMU, whose TSC is real time
        # and where a printed line (two exits a byte) took longer than five
        # 2 ms periods. There the suspension is shorter than ten periods
        # and the TSC check is left to Bochs.
        count = 40000000 if hvtest.PLATFORM == "qemu-svm" else 200000
        m.command('New-VM -Name cnt -MemoryStartupBytes 4MB -Kernel counter.elf -KernelArgs "count=%d every=5"'
                  % count)
        m.command("Start-VM cnt")
        log, lines = wait_counter(m, "cnt", 10)
        old = int(re.search(r"PartitionId\s+: (\d+)", info(m, "cnt")).group(1))
        out = m.command("Debug-VMHost -Action SaveRestore -VMName cnt", timeout=120)
        saved = re.search(r"Saved 'cnt' \(partition %d\): context version 1, \d+ bytes, RIP 0x[0-9a-f]+, "
                          r"TSC \d+, LAPIC timer \d+ ticks left" % old, out)
        restored = re.search(r"Restored 'cnt' into partition (\d+) and started it \((\d+) TSC ticks suspended\)", out)
        assert saved and restored, out
        new, frozen = int(restored.group(1)), int(restored.group(2))
        at_save = lines[-1][0]
        log, lines = wait_counter(m, "cnt", at_save + 25)
        assert log.count("counter: start") == 1 and "FAIL" not in log, log
        for (t0, c0, _), (t1, c1, _) in zip(lines, lines[1:]):
            assert t0 < t1 <= t0 + 15 and c0 < c1, (t0, c0, t1, c1, log)
        after = [g for t, _, g in lines if t > at_save + 5]
        if frozen // count >= 10:
            assert max(after) < frozen // count // 2, (frozen, count, after, log)
        out = info(m, "cnt")
        assert re.search(r"cnt\s+Running", out) and "PartitionId           : %d\r" % new in out, out
        hvlog = m.command("Get-VMHostLog")
        for msg in ("partition %d (cnt) suspended" % old, "partition %d (cnt): vCPU context imported" % new,
                    "partition %d (cnt) stopped: saved and restored into another partition" % old,
                    "deleted partition %d (cnt)" % old):
            assert msg in hvlog, (msg, hvlog[-2000:])
        m.command("Stop-VM cnt -TurnOff")
        out = m.command("Debug-VMHost -Action SaveRestore -VMName cnt")
        assert "Debug-VMHost : 'cnt' is not running." in out, out
        m.command("Remove-VM cnt")

    def smp_exact(log, cpus, rounds, count):
        """The smp guest's counts (tests/guests/README.md): every AP up and
        every IPI and LOCK XADD counted exactly."""
        assert "smp: PASS" in log, log
        assert "smp: %d cpus in the MADT (APIC IDs %s)" % (cpus, " ".join(map(str, range(cpus)))) in log, log
        for k in range(1, cpus):
            assert re.search(r"smp: cpu %d up, apic id %d\r" % (k, k), log), log
            assert "smp: ipi cpu%d->bsp %d of %d" % (k, rounds, rounds) in log, log
        for k in range(cpus):
            assert "smp: self ipi cpu%d %d of %d" % (k, rounds, rounds) in log, log
        assert "smp: atomic total %d of %d" % (count * cpus, count * cpus) in log, log

    # Issue 18: children with several virtual processors (New-VM
    # -ProcessorCount). The smp guest starts its APs with INIT, STARTUP,
    # STARTUP and counts fixed, broadcast, logical, self and NMI IPIs and
    # LOCK XADDs; bare QEMU -smp is its oracle (test_vcpu).
    smp_rounds, smp_count = (200, 20000) if hvtest.PLATFORM != "qemu-svm" else (1000, 100000)
    with tap.case("New-VM -ProcessorCount 2 (xAPIC ICR) and 4 (x2APIC ICR): the MADT lists them, each AP "
                  "starts from INIT-SIPI-SIPI, every IPI and LOCK XADD is counted exactly; Get-VM shows them"):
        for name, cpus, mode in (("mp2", 2, "xapic"), ("mp4", 4, "x2apic")):
            out = m.command('New-VM -Name %s -MemoryStartupBytes 8MB -Kernel smp.elf -ProcessorCount %d '
                            '-KernelArgs "cpus=%d mode=%s rounds=%d count=%d"'
                            % (name, cpus, cpus, mode, smp_rounds, smp_count))
            assert re.search(r"%s\s+Off\s" % name, out), out
            out = m.command("Get-VM %s" % name)
            assert re.search(r"%s\s+Off\s+0 B\s+%d\s" % (name, cpus), out), out
            m.command("Start-VM %s" % name)
            state = info(m, name)
            assert re.search(r"%s\s+Running\s+8 MB\s+%d\s" % (name, cpus), state), state
            wait = m.command("Wait-VM %s -Timeout 300" % name, timeout=330)
            log = m.command("Get-VMConsoleLog %s" % name)
            assert "exit code 0" in wait, (wait, log)
            smp_exact(log, cpus, smp_rounds, smp_count)
            ticks = re.search(r"smp: ipi bsp->cpu1 \d+ round trips in (\d+) TSC ticks", log)
            print("# %s: BSP->AP IPI round trip %s TSC ticks" %
                  (name, int(ticks.group(1)) // smp_rounds if ticks else "?"))
            m.command("Remove-VM %s" % name)
    with tap.case("SaveRestore of a 2-vCPU child mid-run (both vCPUs' contexts into a new partition, "
                  "twice): every IPI and LOCK XADD is still counted exactly"):
        rounds, count = smp_rounds * 20, smp_count * 5
        m.command('New-VM -Name mps -MemoryStartupBytes 8MB -Kernel smp.elf -ProcessorCount 2 '
                  '-KernelArgs "cpus=2 mode=x2apic rounds=%d count=%d"' % (rounds, count))
        m.command("Start-VM mps")
        for _ in range(120):
            log = m.command("Get-VMConsoleLog mps")
            if "cpu 1 up" in log or "FAIL" in log:
                break
            time.sleep(0.5)
        assert "cpu 1 up" in log, log
        for _ in range(2):
            out = m.command("Debug-VMHost -Action SaveRestore -VMName mps", timeout=120)
            assert "Debug-VMHost :" not in out, (out, m.command("Get-VMConsoleLog mps"))
        log = m.command("Get-VMConsoleLog mps")
        assert "smp: PASS" not in log, "the guest ended before the round trips: make it run longer"
        wait = m.command("Wait-VM mps -Timeout 600", timeout=630)
        log = m.command("Get-VMConsoleLog mps")
        assert "exit code 0" in wait, (wait, log)
        smp_exact(log, 2, rounds, count)
        m.command("Remove-VM mps")
    with tap.case("New-VM refuses -ProcessorCount 5"):
        out = m.command("New-VM -Name mp5 -MemoryStartupBytes 8MB -Kernel smp.elf -ProcessorCount 5")
        assert "ProcessorCount must be between 1 and 4" in out, out
        out = m.command("Get-VM")
        assert not re.search(r"\bmp5\b", out), out

    with tap.case("hv and the parent survive all of it; no interrupt reached the parent with its IF clear"):
        assert hvtest.masked_deliveries(m) == 0
        out = m.command("Get-VM parent")
        assert re.search(r"parent\s+Running", out) and re.search(r"StopReason\s+: -", out), out
        # The parent's poll under hv's notification (partition/vm.c):
        # what it found unannounced is a notification hv did not deliver.
        out = m.command("Measure-VMHost")
        un = re.search(r"UnannouncedIntercepts : (\d+)", out)
        assert un, out
        lost = [l for l in m.command("Get-VMHostLog").splitlines() if "notif" in l]
        print("# unannounced intercepts: %s; hv: %s" % (un.group(1), lost or "no lost notification"))

    with tap.case("New-VM bad input: one clear error each, nothing created"):
        def names():
            return sorted(re.findall(r"^\d+\s+(\S+)\s", m.command("Get-VM"), re.M))
        before = names()
        for cmd, msg in (("New-VM -Name b1 -MemoryStartupBytes 8MB -Kernel nothere.elf",
                          "Cannot find path 'nothere.elf' because it does not exist."),
                         ("New-VM -Name b2 -MemoryStartupBytes 8MB -Kernel notakernel.txt",
                          "not a Multiboot kernel"),
                         ("New-VM -Name b3 -MemoryStartupBytes 4GB -Kernel hello.elf",
                          "Not enough memory"),
                         ("New-VM -Name h1 -MemoryStartupBytes 8MB -Kernel hello.elf",
                          "A virtual machine named 'h1' already exists."),
                         ("New-VM -Name b4 -MemoryStartupBytes 3MB -Kernel hello.elf",
                          "multiple of 2MB")):
            out = m.command(cmd)
            assert msg in out, (cmd, out)
            assert out.strip().count("\n") == 1, out
        assert names() == before, (before, names())

    with tap.case("New-VM -Name café typed in UTF-8 is refused whole; no VM 'caf' appears"):
        m.send_bytes("New-VM -Name caf\xc3\xa9 -MemoryStartupBytes 4MB -Kernel hello.elf\r")
        m.expect(r"The line did not run: '\xc3\xa9' is not an ASCII character, and this "
                 r"console takes ASCII only\.\r\n" + hvtest.PROMPT, 20)
        out = m.command("Get-VM")
        assert not re.search(r"\scaf", out), out

    with tap.case("a VM never started is Off, holds no memory and has no partition id"):
        out = m.command("New-VM -Name idle -MemoryStartupBytes 4MB -Kernel hello.elf")
        assert re.search(r"idle\s+Off\s+4 MB", out), out      # its configured memory
        out = info(m, "idle")
        # Heartbeat: -; Status as Hyper-V's
        assert re.search(r"\s+idle\s+Off\s+0 B\s+1\s+00:00:00\s+0\s+-\s+Operating normally\r", out), out
        assert re.search(r"PartitionId\s+: -\r", out) and re.search(r"ExitCode\s+: -\r", out), out
        m.command("Remove-VM idle")

    with tap.case("Remove-VM parent says the parent cannot be removed (Get-VM lists it)"):
        out = m.command("Remove-VM parent")
        assert "Remove-VM : 'parent' is the parent partition, which runs this console: " \
               "it cannot be removed." in out and out.strip().count("\n") == 1, out
        out = m.command("Stop-VM Parent -TurnOff")
        assert "Stop-VM : 'Parent' is the parent partition" in out and "Stop-VMHost" in out, out
        out = m.command("New-VM -Name parent -MemoryStartupBytes 4MB -Kernel hello.elf")
        assert "A virtual machine named 'parent' already exists." in out, out
        assert re.search(r"0\s+parent\s+Running", m.command("Get-VM parent")), out

    with tap.case("a child spinning with interrupts off never starves the console"):
        run_out = m.command('New-VM -Name spin -MemoryStartupBytes 16MB -Kernel spin.elf')
        m.command("Start-VM spin")
        # Until it prints this the child talks to the parent through port
        # intercepts, which hands the parent the CPU whatever hv does.
        for _ in range(60):
            if "spinning forever with interrupts off" in m.command("Get-VMConsoleLog spin"):
                break
            time.sleep(0.5)
        t0 = time.monotonic()
        out = m.command("Wait-VM spin -Timeout 5", timeout=120)
        assert "Timed out after 5 s; 'spin' is still running." in out, out
        assert time.monotonic() - t0 < 60, time.monotonic() - t0
        for _ in range(3):
            out = m.command("Get-VM spin", timeout=30)
            assert re.search(r"spin\s+Running", out), out
        out = m.command("Get-VMHost", timeout=30)
        assert "HypervisorVersion" in out, out
        m.command("Stop-VM spin -TurnOff")
        out = m.command("Get-VM spin")
        assert re.search(r"spin\s+Off\s+0 B", out) and "turned off" in out, out
        out = m.command("Remove-VM spin")
        assert "Remove-VM spin" in out and "error" not in out.lower(), out

    with tap.case("a child's COM1 writes beside a spinning child go on in its own turns, not a turn a byte"):
        # Each byte is an intercept the parent serves. The writer must take
        # up the rest of its turn right after each one, as a Linux child's
        # boot log needs (docs/ARCHITECTURE.md, Scheduling: the kept turn);
        # without, it waited a whole turn of the spinner for every byte
        # (about 50 times slower than alone). The parent's time serving
        # those intercepts is not the writer's either: counted against its
        # turn it was 2.3-2.4 times slower on QEMU SVM (1.6 since; Bochs
        # 1.1), and the demo's Linux beside spin.elf never reached its shell.
        alone = burst_ticks(m, "b1")
        m.command("New-VM -Name spin2 -MemoryStartupBytes 4MB -Kernel spin.elf")
        m.command("Start-VM spin2")
        for _ in range(60):
            if "spinning forever" in m.command("Get-VMConsoleLog spin2"):
                break
            time.sleep(0.5)
        spun = sum(vp_seconds(m, "spin2"))
        beside = burst_ticks(m, "b2")
        print("# spin2 ran %.3f s in the guest meanwhile" % (sum(vp_seconds(m, "spin2")) - spun))
        m.command("Stop-VM spin2 -TurnOff")
        m.command("Remove-VM spin2")
        print("# 20 lines to COM1: %d TSC ticks alone, %d beside a spinning child (%.2f x)"
              % (alone, beside, beside / alone))
        # Bochs counts instructions: 1.33 x, every run. Under QEMU, whose
        # TSC is the host's, the same code gave 1.47-1.68 x here but
        # 2.11-2.15 x in two CI runs, all three bursts each way alike. The
        # writer is not CPU-bound there: over three bursts beside (1.75 s)
        # it ran 0.10 s in its guest and the spinner 0.30 s; the rest is
        # the parent's service and the world switches, which TCG makes
        # dear and a busy host dearer. The bound there still tells kept
        # turns from a turn a byte (about 50 x).
        assert beside < (2 if hvtest.PLATFORM.startswith("bochs") else 2.5) * alone, (alone, beside)

    with tap.case("Set-VMProcessor on running spinners: RelativeWeight 300 against 100 runs three times as "
                  "long, Maximum 10 caps one, Reserve 60 puts one ahead of two others; bad values refused"):
        for n in ("w1", "w2", "w3"):
            m.command('New-VM -Name %s -MemoryStartupBytes 4MB -Kernel spin.elf -KernelArgs "mode=sti"' % n)
        out = m.command("Get-VMProcessor w2")
        assert re.search(r"w2\s+1\s+0\s+100\s+100\r", out), out
        assert re.search(r"VMName\s+Count\s+Reserve\s+Maximum\s+RelativeWeight", out), out
        set_ok(m, "Set-VMProcessor w2 -RelativeWeight 300")
        m.command("Start-VM w1")
        m.command("Start-VM w2")
        d = run_deltas(m, ["w1", "w2"], 12)
        assert 2.4 <= d[1] / d[0] <= 3.6, d
        # At most a tenth of each 100 ms period; w1 takes what the parent
        # leaves (on Bochs the parent's console takes about half).
        set_ok(m, "Set-VMProcessor w2 -RelativeWeight 100 -Maximum 10")
        out = m.command("Get-VMProcessor w2")
        assert re.search(r"w2\s+1\s+0\s+10\s+100\r", out), out
        d = run_deltas(m, ["w1", "w2"], 12)
        assert d[1] / d[0] <= 0.5, d                      # 1 without the cap
        set_ok(m, "Set-VMProcessor w2 -Maximum 100 -Reserve 60")
        m.command("Start-VM w3")
        d = run_deltas(m, ["w1", "w2", "w3"], 12)
        assert d[1] / sum(d) >= 0.55, d                   # a third without the reserve
        assert 0.6 <= d[0] / d[2] <= 1.6, d
        out = m.command("Debug-VMHost -Action DumpVM -VMName w2", timeout=60)
        assert re.search(r"COM1: IER 0x[0-9a-f]+ .*IRQ line \d", out), out
        assert re.search(r"vCPU 0: RIP 0x[0-9a-f]+ RFLAGS 0x[0-9a-f]+ \(IF 1\)", out), out   # mode=sti
        assert "LAPIC: highest requested vector" in out, out
        assert re.search(r"w2\s+Running", m.command("Get-VM w2")), out
        out = m.command("Set-VMProcessor w2 -Maximum 0")
        assert "Set-VMProcessor : Maximum must be between 1 and 100." in out, out
        out = m.command("Set-VMProcessor w2 -Reserve 80 -Maximum 50")
        assert "Set-VMProcessor : Reserve (80) cannot be greater than Maximum (50)." in out, out
        out = m.command("Set-VMProcessor w2 -RelativeWeight 10001")
        assert "RelativeWeight must be between 1 and 10000." in out, out
        out = m.command("Set-VMProcessor w2 -Count 2")
        assert "'w2' is running: Count can be changed only while it is off (Stop-VM first)." in out, out
        out = m.command("Get-VMProcessor w2")
        assert re.search(r"w2\s+1\s+60\s+100\s+100\r", out), out
        for n in ("w1", "w2", "w3"):
            m.command("Stop-VM %s -TurnOff" % n)
        set_ok(m, "Set-VMProcessor w3 -Count 2")
        assert re.search(r"w3\s+2\s+0\s+100\s+100\r", m.command("Get-VMProcessor w3")), out
        for n in ("w1", "w2", "w3"):
            m.command("Remove-VM %s" % n)

    with tap.case("Connect-VM joins a child's COM1 to the console; Ctrl-] detaches; a child halted "
                  "waiting for COM1's interrupt wakes for what is typed"):
        m.command("New-VM -Name echo -MemoryStartupBytes 4MB -Kernel mb2echo.elf")
        m.command("Start-VM echo")
        # mb2echo halts until IRQ 4 (received data) once it is ready: type
        # only after it halted, so the interrupt must wake it.
        halts = 0
        for _ in range(60):
            got = re.search(r"Hlt\s+:\s+(\d+)", m.command("Get-VM echo | Format-List"))
            halts = int(got.group(1)) if got else 0
            if halts:
                break
            time.sleep(0.5)
        assert halts, "mb2echo never halted waiting for input"
        m.send_line("Connect-VM echo")
        m.expect(r"Press Ctrl-\] to detach\.", 20)
        m.expect(r"mb2echo ready", 30)
        m.send_line("hello child")
        m.expect(r"echo: hello child", 30)
        m.send_bytes("\x1d")
        m.expect(r"Detached from 'echo'\.\r\n" + hvtest.PROMPT, 20)
        out = m.command("Get-VMConsoleLog echo")
        assert "echo: hello child" in out, out
        m.command("Stop-VM echo -TurnOff")

    with tap.case("Remove-VM of a running VM is refused; stopped VMs are deleted"):
        out = m.command("Remove-VM t1")
        assert out.count("\n") == 1, out
        for n in ("h1", "h2", "h3", "t1", "c0", "c1", "c2", "c3", "x", "echo"):
            m.command("Remove-VM %s" % n)
        out = m.command("Get-VM")
        assert "h1" not in out and "echo" not in out, out

    with tap.case("New-VM/Start-VM/Remove-VM 50 times leaks nothing"):
        def free():
            o = m.command("Get-VMHost")
            return (int(re.search(r"MemoryFreeBytes\s+: (\d+)", o).group(1)),
                    int(re.search(r"HvPoolFreeBytes\s+: (\d+)", o).group(1)))
        start = free()
        for i in range(50):
            m.command('New-VM -Name loop -MemoryStartupBytes 4MB -Kernel hello.elf')
            m.command("Start-VM loop")
            w = m.command("Wait-VM loop -Timeout 60", timeout=90)
            assert "exit code 0" in w, w
            m.command("Remove-VM loop")
        end = free()
        assert end == start, (start, end)
tap.done()
