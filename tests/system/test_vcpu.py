#!/usr/bin/python3
"""A faithful virtual CPU (issue 12): test guests that check the
architectural result the SDM gives, run bare in Bochs and as child
partitions, with the same result. Test guests: tests/guests/."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
B = hvtest.BUILD
G = os.path.join(B, "guests")
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")


# The bare runs in Bochs are oracles of Bochs's own CPU, the same on every
# platform: the VT-x suite runs them; the SVM suite keeps only the xapic
# one, whose output the child's must match.
BOCHS_ONLY = "a bare-Bochs oracle, run by the VT-x suite"


def bare(name, args, timeout=250, cpus=1, tag=""):
    """Boot NAME-mb2.elf as the machine's kernel (GRUB, no hv); its output.
    An MSR Bochs lacks raises #GP, as on hardware (--strict-msrs)."""
    iso = hvtest.mkiso(os.path.join(B, "test-iso", "vcpu-bare-%s%s.iso" % (name, tag)),
                       hv=os.path.join(G, name + "-mb2.elf"), parent="none", cmdline=args)
    with hvtest.Machine(iso, name="vcpu-bare-" + name + tag, watchdog=timeout + 60, bare=True,
                        extra=["--strict-msrs"] + (["--cpus", str(cpus)] if cpus > 1 else [])) as m:
        m.expect(r"%s: (PASS|FAIL)[^\n]*\n" % name, timeout)
        return m.output()


def qemu_kernel(name, smp, args, timeout=60):
    """Run NAME.elf with QEMU's own Multiboot loader (-kernel; SeaBIOS's
    ACPI tables, TCG, SMP processors); its exit status and COM1 output.
    One thread for all processors: with a thread each (QEMU 7.2's
    default), a HLT with IF clear sometimes went on past a fixed IPI
    another processor sent (smp.elf's masked HLT, 2026-12-05: 6 runs of
    15; "after 0 nmi, 1 fixed taken"), as if QEMU's halted-CPU check saw
    the IPI's poll request set again between its clearing and the check
    (accel/tcg/cpu-exec.c, cpu_handle_halt), an emulator race, not the
    architecture (SDM Vol. 2A "HLT": only an enabled interrupt, NMI,
    SMI, INIT or reset resume it)."""
    cmd = ["qemu-system-x86_64", "-accel", "tcg,thread=single", "-cpu", "max", "-smp", str(smp), "-m", "64",
           "-kernel", os.path.join(G, name + ".elf"), "-append", args, "-serial", "stdio",
           "-display", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot"]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    out = r.stdout.decode(errors="replace")
    with open(os.path.join(hvtest.log_dir(), "vcpu-qemu-%s-smp%d.serial" % (name, smp)), "w") as f:
        f.write(" ".join(cmd) + "\n" + out)
    return r.returncode, out


def smp_counts_exact(out, cpus, rounds, count, last="smp: PASS"):
    """The smp guest's report: every AP up, every IPI count and the LOCK
    XADD total exact (tests/guests/README.md), up to its last line."""
    assert last in out, out
    for k in range(1, cpus):
        assert re.search(r"smp: cpu %d up, apic id \d+" % k, out), out
        for kind in ("ipi bsp->cpu%d", "ipi cpu%d->bsp", "broadcast cpu%d", "nmi bsp->cpu%d"):
            assert "smp: %s %d of %d" % (kind % k, rounds, rounds) in out, (kind, out)
    for k in range(cpus):
        assert "smp: self ipi cpu%d %d of %d" % (k, rounds, rounds) in out, out
    assert "smp: atomic total %d of %d" % (count * cpus, count * cpus) in out, out
    if last == "smp: PASS":
        for k in range(1, cpus):
            assert "smp: logical cpu%d %d of %d" % (k, rounds, rounds) in out, out
        assert "smp: every count still exact" in out, out


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


# QEMU 7.2's TCG never exits for XSETBV (docs/ARCHITECTURE.md, "The SVM
# backend"): a child's XSETBV of PKRU, which QEMU's CPU has and hv does not
# offer, takes effect without the #GP; hv finds XCR0 changed at the next
# exit, puts the vCPU's back and logs it. On qemu-svm that is the one
# xstate check that fails; every other check must pass.
QEMU_XSETBV = "XSETBV(0, 0x201) [PKRU, not offered]: 0 #GP"


def passed(guest, wait, log):
    """The guest passed, or on qemu-svm failed only QEMU's XSETBV."""
    if hvtest.PLATFORM == "qemu-svm" and guest == "xstate" and QEMU_XSETBV in log:
        return ("exit code 1" in wait and "check failed" not in log
                and "xstate: FAIL see the checks above" in log)
    return "exit code 0" in wait and "%s: PASS" % guest in log


def pair(m, guest, lost, extra=""):
    """Two children of guest at once, seeds 1 and 2, each ROUNDS sleeps; each
    must print "seed S: ROUNDS rounds, 0 <lost> (TSC A to B)", and the two
    TSC ranges must overlap (the TSC is hv's, shared). Their logs."""
    names = ["%s%d" % (guest[:2], seed) for seed in (1, 2)]
    for seed, n in enumerate(names, 1):
        start(m, n, guest + ".elf", "seed=%d rounds=%d count=%d%s" % (seed, ROUNDS, COUNT, extra))
    spans, logs = [], []
    for seed, n in enumerate(names, 1):
        wait, log = finish(m, n)
        assert passed(guest, wait, log), (wait, log)
        mt = re.search(r"seed %d: %d rounds, 0 %s \(TSC (\d+) to (\d+)\)" % (seed, ROUNDS, lost), log)
        assert mt, log
        spans.append((int(mt.group(1)), int(mt.group(2))))
        logs.append(log)
    (a1, b1), (a2, b2) = spans
    assert a1 < b2 and a2 < b1, spans
    return logs


if hvtest.SVM:
    tap.skip("xstate bare in Bochs: fresh state, OSXSAVE, leaf 0xd, bad XCR0s #GP, registers survive HLT", BOCHS_ONLY)
else:
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

if hvtest.SVM:
    tap.skip("cpumsr bare in Bochs: only Bochs's own CPUID/MSR disagreements fail", BOCHS_ONLY)
else:
    with tap.case("cpumsr bare in Bochs: only Bochs's own CPUID/MSR disagreements fail"):
        out = bare("cpumsr", "")
        failed = set(re.findall(r"cpumsr: check failed: (.*?)\r?\n", out))
        assert failed == BOCHS_CPUMSR, sorted(failed ^ BOCHS_CPUMSR)

# Bochs's APIC, once disabled through IA32_APIC_BASE, ignores every later
# write until reset (a 3-wire-bus APIC; the SDM lets FSB-era and later
# APICs be enabled again): every check after "x2APIC to disabled" fails.
BOCHS_APICBASE = {
    "disabled to x2APIC", "disabled to the invalid state", "disabled to xAPIC",
    "CPUID.1:EDX.APIC set again", "xAPIC base moved", "xAPIC base back",
    "disabled to xAPIC again", "xAPIC to x2APIC", "x2APIC registers back",
}

if hvtest.SVM:
    tap.skip("apicbase bare in Bochs: illegal IA32_APIC_BASE writes #GP; Bochs cannot enable its APIC again", BOCHS_ONLY)
else:
    with tap.case("apicbase bare in Bochs: illegal IA32_APIC_BASE writes #GP; Bochs cannot enable its APIC again"):
        out = bare("apicbase", "")
        failed = set(re.findall(r"apicbase: check failed: (.*?)(?: \(WRMSR.*)?\r?\n", out))
        assert failed == BOCHS_APICBASE, sorted(failed ^ BOCHS_APICBASE)
        assert "apicbase: FAIL the APIC could not be enabled again" in out, out

# Bochs 2.7 records APIC errors in the ESR but raises no error-LVT
# interrupt for them (SDM Vol. 3A §11.5.3 says the error LVT interrupts).
BOCHS_XAPIC = {"paging off: error LVT interrupt", "paging on: error LVT interrupt"}


def xapic_lines(out):
    """The xapic guest's result lines, without the ones Bochs gets wrong
    and the unbacked-GPA ones only a child prints."""
    lines = [l.strip() for l in re.findall(r"xapic: [^\n]*", out)]
    return [l for l in lines if "check failed: error LVT interrupt" not in l
            and "PASS" not in l and "FAIL" not in l and "unbacked GPA" not in l]


with tap.case("xapic bare in Bochs: the xAPIC page with paging off and on, MMIO forms (BT family, REP STOS, MUL/DIV with #DE, "
              "LODS/CMPS/SCAS, LOCK #UD, REP STOS past ES's limit #GP, DI wrap), IPIs, NMI, timer, #PF from MOVS"):
    xapic_bare = bare("xapic", "")
    failed = set(re.findall(r"xapic: (.*?): check failed: (.*?)\r?\n", xapic_bare))
    assert {"%s: %s" % f for f in failed} == BOCHS_XAPIC, sorted(failed)
    assert "xapic: paging on: #PF at 0xc0001000 error 2" in xapic_bare, xapic_bare

if hvtest.SVM:
    tap.skip("debug bare in Bochs: single-step over CPUID/RDMSR/OUT/MMIO, a DR0 data breakpoint, DR0-3 kept, a DR3 breakpoint across sleeps", BOCHS_ONLY)
else:
    with tap.case("debug bare in Bochs: single-step over CPUID/RDMSR/OUT/MMIO, a DR0 data breakpoint, DR0-3 kept, a DR3 breakpoint across sleeps"):
        debug_bare = bare("debug", "rounds=3")
        assert "debug: PASS" in debug_bare and "check failed" not in debug_bare, debug_bare
        assert "debug: seed 1: a DR3 breakpoint armed across each sleep, 0 checks failed" in debug_bare, debug_bare

# The smp guest's oracle (issue 18): bare QEMU with 2 and 4 processors
# (under a second each), and Bochs with cpu count=2 in x2APIC mode.
with tap.case("smp bare in QEMU -smp 2 and -smp 4: MADT, INIT/SIPI/SIPI, fixed/broadcast/logical/self/NMI IPIs and LOCK XADD counted exactly"):
    for n in (2, 4):
        rc, out = qemu_kernel("smp", n, "cpus=%d" % n)
        assert rc == 1, (rc, out)      # isa-debug-exit: (0 << 1) | 1
        assert "smp: %d cpus in the MADT (APIC IDs %s)" % (n, " ".join(map(str, range(n)))) in out, out
        smp_counts_exact(out, n, 1000, 100000)
    rc, out = qemu_kernel("smp", 2, "cpus=3")
    assert rc == 3 and "smp: FAIL the MADT lists 2 cpus, not cpus=3" in out, (rc, out)

# Bochs 2.7 derives the x2APIC LDR only when the APIC leaves x2APIC mode
# (cpu/apic.cc set_base tests the old mode), so it reads 0 and logical
# IPIs reach no one: the guest's last phase fails there, on the BSP.
if hvtest.SVM:
    tap.skip("smp bare in Bochs, cpu count=2, x2APIC: INIT/SIPI and IPIs through the ICR MSR, the SELF IPI register; Bochs's LDR is 0", BOCHS_ONLY)
else:
    with tap.case("smp bare in Bochs, cpu count=2, x2APIC: INIT/SIPI and IPIs through the ICR MSR, the SELF IPI register; Bochs's LDR is 0"):
        out = bare("smp", "cpus=2 mode=x2apic rounds=200 count=20000", cpus=2, tag="-x2")
        assert "smp: bsp apic id 0, x2apic mode" in out, out
        smp_counts_exact(out, 2, 200, 20000, last="smp: FAIL x2APIC LDR 0x0, not 0x1, on cpu0 (apic id 0)")

iso = hvtest.scenario_iso("vcpu", add=[os.path.join(G, n) for n in ("xstate.elf", "cpumsr.elf",
                                                                     "apicbase.elf", "xapic.elf",
                                                                     "debug.elf")])
with hvtest.Machine(iso, name="vcpu", watchdog=1200) as m:
    m.expect(hvtest.PROMPT, 90)

    with tap.case("xstate in two children at once: each keeps its own XMM/YMM, MXCSR, FCW and XCR0"):
        for log in pair(m, "xstate", "with lost registers"):
            assert "at start MXCSR 0x1f80, XMM0-7 zero" in log, log
            assert re.search(r"bad XSETBVs: \d+ #GP, XSETBV at CPL 3: vector 13", log), log
        if hvtest.PLATFORM == "qemu-svm":
            out = m.command("Get-VMHostLog")
            assert re.search(r"set XCR0 0x201 without an XSETBV exit; 0x\d+ kept", out), out
        out = m.command("Get-VM xs1")
        assert re.search(r"xs1\s+Off", out), out

    with tap.case("cpumsr in a child: every advertised feature's MSRs work, the others #GP; the CPUID policy"):
        start(m, "cm", "cpumsr.elf", "")
        wait, log = finish(m, "cm")
        assert "exit code 0" in wait and "cpumsr: PASS" in log and "check failed" not in log, (wait, log)
        assert "(with the child's CPUID policy)" in log, log

    with tap.case("cpumsr in two children at once: STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE, TSC_AUX, SYSENTER, PAT are each one's own"):
        pair(m, "cpumsr", "MSRs lost")

    with tap.case("apicbase in a child: x2APIC -> disabled -> xAPIC -> x2APIC, illegal ones #GP, the timer works after"):
        start(m, "ab", "apicbase.elf", "")
        wait, log = finish(m, "ab")
        assert "exit code 0" in wait and "apicbase: PASS" in log and "check failed" not in log, (wait, log)
        assert "IA32_APIC_BASE 0xfee00d00 at start" in log and "the timer woke the HLT" in log, log

    with tap.case("xapic in a child: x2APIC -> disabled -> xAPIC, the page through hv's MMIO emulation (MUL/DIV and #DE, "
                  "LODS/CMPS/SCAS, LOCK #UD, a string element past ES's limit #GP too), same output as bare; BT/BTS/BTR/BTC, NOT, NEG, REP STOS/MOVS, "
                  "MUL/DIV, REPE/REPNE SCAS, CMPS, LODS on an unbacked GPA with paging on"):
        start(m, "xa", "xapic.elf", "")
        wait, log = finish(m, "xa")
        assert "exit code 0" in wait and "xapic: PASS" in log and "check failed" not in log, (wait, log)
        assert "xapic: unbacked GPA: BT/BTS/BTR/BTC, NOT, NEG, REP STOS/MOVS: done" in log, log
        assert "xapic: unbacked GPA: MUL, DIV, REPE/REPNE SCAS, REPE CMPS, LODS: done" in log, log
        assert xapic_lines(log) == xapic_lines(xapic_bare), (xapic_lines(log), xapic_lines(xapic_bare))

    DEBUG_CASE = ("debug in two children at once: single-step #DB after every instruction hv completes, "
                  "DR0 breakpoint, each keeps its own DR0-3 and a DR3 breakpoint armed across sleeps")
    if hvtest.PLATFORM == "bochs-svm":
        # Bochs 2.7 schedules a TF single-step trap before the guest's
        # next instruction (event.cc) and Svm_Vmexit never drops it, so an
        # intercepted instruction of a single-stepping guest delivers #DB
        # to hv at the instruction after VMRUN, on the guest's TR: a
        # triple fault of the emulator (docs/ARCHITECTURE.md, "The SVM
        # backend"). QEMU SVM runs the case.
        tap.skip(DEBUG_CASE, "Bochs 2.7 ryzen keeps a guest's single-step trap across #VMEXIT")
    else:
        # Under QEMU hv arms a child's breakpoints in itself around VMRUN
        # (svm_dr.c): one at svm_run's first instruction fires there at
        # every entry, and hv must dismiss it and say so once.
        hvbp = ""
        if hvtest.PLATFORM == "qemu-svm":
            nm = subprocess.run(["nm", os.path.join(B, "hv-svm.elf")], stdout=subprocess.PIPE,
                                check=True).stdout.decode()
            svm_run = int(re.search(r"^([0-9a-f]+) t svm_run$", nm, re.M).group(1), 16)
            hvbp = " hvbp=%d" % svm_run
        with tap.case(DEBUG_CASE):
            for seed, log in enumerate(pair(m, "debug", "with lost debug registers", hvbp), 1):
                assert "check failed" not in log, log
                assert "debug: single-step over CPUID, RDMSR, OUT, MMIO load: done" in log, log
                assert ("debug: seed %d: a DR3 breakpoint armed across each sleep, 0 checks failed" % seed) in log, log
            if hvbp:
                hvlog = m.command("Get-VMHostLog")
                assert "a child's breakpoint fired in hv at %#x (QEMU; dismissed)" % svm_run in hvlog, hvlog

    with tap.case("hv and the parent survive, the parent's console still works"):
        out = m.command("Get-VM parent")
        assert re.search(r"parent\s+Running", out) and re.search(r"StopReason\s+: -", out), out
        out = m.command("Get-VMHost")
        assert "HypervisorVersion" in out, out
tap.done()
