#!/usr/bin/python3
"""A faithful virtual CPU (issue 12): test guests that check the
architectural result the SDM gives, run bare in Bochs and as child
partitions, with the same result. Test guests: tests/guests/."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
B = hvtest.BUILD
G = os.path.join(B, "guests")
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")


def bare(name, args, timeout=250):
    """Boot NAME-mb2.elf as the machine's kernel (GRUB, no hv); its output.
    An MSR Bochs lacks raises #GP, as on hardware (--strict-msrs)."""
    iso = hvtest.mkiso(os.path.join(B, "test-iso", "vcpu-bare-%s.iso" % name),
                       hv=os.path.join(G, name + "-mb2.elf"), parent="none", cmdline=args)
    with hvtest.Machine(iso, name="vcpu-bare-" + name, watchdog=timeout + 60,
                        extra=["--strict-msrs"]) as m:
        m.expect(r"%s: (PASS|FAIL)" % name, timeout)
        return m.output()


def start(m, name, kernel, args, mem="8MB"):
    out = m.command('New-VM -Name %s -MemoryStartupBytes %s -Kernel %s -KernelArgs "%s"'
                    % (name, mem, kernel, args))
    assert "Off" in out, out
    out = m.command("Start-VM %s" % name)
    assert out.strip() == "Start-VM %s" % name, repr(out)


def finish(m, name, timeout=200):
    wait = m.command("Wait-VM %s -Timeout %d" % (name, timeout), timeout=timeout + 30)
    log = m.command("Get-VMConsoleLog %s" % name)
    return wait, log


with tap.case("xstate bare in Bochs: fresh state, OSXSAVE, leaf 0xd, bad XCR0s #GP, registers survive HLT"):
    out = bare("xstate", "seed=3 rounds=5")
    assert "xstate: PASS" in out and "check failed" not in out, out

ROUNDS, COUNT = 100, 2000000
# Where Bochs 2.7's corei7_skylake_x disagrees with its own CPUID (the
# disagreements issue 12 saw in children, which got the CPU's CPUID):
# MCA, PDCM and a version-4 PMU are advertised without their MSRs;
# MISC_ENABLE and BIOS_SIGN_ID are missing. hv's child policy must pass
# all of these checks.
BOCHS_CPUMSR = {
    "IA32_MCG_CAP iff CPUID.1.EDX.MCA",
    "IA32_PERF_CAPABILITIES iff CPUID.1.ECX.PDCM",
    "IA32_PERFEVTSEL0 iff leaf 0xA counters",
    "IA32_PMC0 iff leaf 0xA counters",
    "IA32_PERF_GLOBAL_CTRL iff leaf 0xA version > 1",
    "IA32_MISC_ENABLE reads",
    "MISC_ENABLE.LIMIT_CPUID writes",
    "IA32_BIOS_SIGN_ID",
}

with tap.case("cpumsr bare in Bochs: only Bochs's own CPUID/MSR disagreements fail"):
    out = bare("cpumsr", "")
    failed = set(re.findall(r"cpumsr: check failed: (.*?)\r?\n", out))
    assert failed == BOCHS_CPUMSR, sorted(failed ^ BOCHS_CPUMSR)

iso = hvtest.scenario_iso("vcpu", add=[os.path.join(G, n) for n in ("xstate.elf", "cpumsr.elf")])
with hvtest.Machine(iso, name="vcpu", watchdog=1200) as m:
    m.expect(hvtest.PROMPT, 90)

    with tap.case("xstate in two children at once: each keeps its own XMM/YMM, MXCSR, FCW and XCR0"):
        start(m, "xs1", "xstate.elf", "seed=1 rounds=%d count=%d" % (ROUNDS, COUNT))
        start(m, "xs2", "xstate.elf", "seed=2 rounds=%d count=%d" % (ROUNDS, COUNT))
        spans = []
        for n, seed in (("xs1", 1), ("xs2", 2)):
            wait, log = finish(m, n)
            assert "exit code 1" in wait and "xstate: PASS" in log, (wait, log)
            mt = re.search(r"seed %d: %d rounds, 0 with lost registers \(TSC (\d+) to (\d+)\)"
                           % (seed, ROUNDS), log)
            assert mt, log
            spans.append((int(mt.group(1)), int(mt.group(2))))
            assert "at start MXCSR 0x1f80, XMM0-7 zero" in log, log
            assert re.search(r"bad XSETBVs: \d+ #GP, XSETBV at CPL 3: vector 13", log), log
        # They slept and ran at the same time (the TSC is hv's, shared).
        (a1, b1), (a2, b2) = spans
        assert a1 < b2 and a2 < b1, spans
        out = m.command("Get-VM xs1")
        assert re.search(r"xs1\s+Stopped", out), out

    with tap.case("cpumsr in a child: every advertised feature's MSRs work, the others #GP; the CPUID policy"):
        start(m, "cm", "cpumsr.elf", "")
        wait, log = finish(m, "cm")
        assert "exit code 1" in wait and "cpumsr: PASS" in log and "check failed" not in log, (wait, log)
        assert "(with the child's CPUID policy)" in log, log

    with tap.case("cpumsr in two children at once: STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE, TSC_AUX, SYSENTER, PAT are each one's own"):
        start(m, "cm1", "cpumsr.elf", "seed=1 rounds=%d count=%d" % (ROUNDS, COUNT))
        start(m, "cm2", "cpumsr.elf", "seed=2 rounds=%d count=%d" % (ROUNDS, COUNT))
        spans = []
        for n, seed in (("cm1", 1), ("cm2", 2)):
            wait, log = finish(m, n)
            assert "exit code 1" in wait and "cpumsr: PASS" in log, (wait, log)
            mt = re.search(r"seed %d: %d rounds, 0 MSRs lost \(TSC (\d+) to (\d+)\)"
                           % (seed, ROUNDS), log)
            assert mt, log
            spans.append((int(mt.group(1)), int(mt.group(2))))
        (a1, b1), (a2, b2) = spans
        assert a1 < b2 and a2 < b1, spans

    with tap.case("hv and the parent survive, the parent's console still works"):
        out = m.command("Get-VM parent")
        assert re.search(r"parent\s+Running", out) and re.search(r"StopReason\s+: -", out), out
        out = m.command("Get-VMHost")
        assert "HypervisorVersion" in out, out
tap.done()
