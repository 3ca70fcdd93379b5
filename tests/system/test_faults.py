#!/usr/bin/python3
"""Foundation scenario: a misbehaving parent, a parent ELF with broken
headers and too little memory each get one clear message from hv, never a
triple fault of the machine or a silent hang. (Missing parent, non-ELF
parent, no EPT and no VMX: test_boot_errors.py.)"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
B = hvtest.BUILD
d = os.path.join(B, "test-iso")
os.makedirs(d, exist_ok=True)


def boot_expect(name, iso, patterns, timeout=60, **kw):
    with hvtest.Machine(iso, name=name, watchdog=120, **kw) as m:
        for p in patterns:
            m.expect(p, timeout)
        return m.output()


with tap.case("parent touching hv memory is stopped with a clear message"):
    iso = hvtest.scenario_iso("touch-hv", ["Debug-VMHost TouchHvMemory"])
    out = boot_expect("touch-hv", iso, [
        r"hv: partition 0 \(parent\) stopped: parent at GPA 0x200000 touched memory it does not own \(read",
        r"hv: no partition left to run"])
    assert "NOT isolated" not in out, out

with tap.case("a triple fault in the parent is caught by hv, which says so"):
    iso = hvtest.scenario_iso("triple", ["Debug-VMHost TripleFault"])
    boot_expect("triple", iso, [r"hv: partition 0 \(parent\) stopped: triple fault at rip 0x"])

with tap.case("an unknown hypercall code gets HV_STATUS_INVALID_HYPERCALL_CODE"):
    iso = hvtest.scenario_iso("badcall", ["Debug-VMHost UnknownHypercall", "Get-VM parent"])
    out = boot_expect("badcall", iso, [r"returned status 0x2 \(HV_STATUS_INVALID_HYPERCALL_CODE\)",
                                       r"parent\s+Running"])

plain = hvtest.scenario_iso("plain", ["Get-VM"])
with tap.case("a corrupt parent module: clear message and halt"):
    bad = os.path.join(d, "corrupt-parent.elf")
    with open(os.path.join(B, "parent.elf"), "rb") as f:
        data = bytearray(f.read())
    data[0x20:0x28] = b"\xff" * 8          # e_phoff far past the end
    with open(bad, "wb") as f:
        f.write(data)
    iso = hvtest.mkiso(os.path.join(d, "corrupt.iso"), hv=hvtest.default_hv(), parent=bad)
    boot_expect("corrupt-parent", iso, [r"hv: the parent module's ELF program headers are malformed",
                                        r"hv: halting\."])

plain = hvtest.scenario_iso("plain", ["Get-VM"])
# QEMU TCG's -cpu max has SVM with nested paging but no VT-x: the VT-x
# image refuses it, the SVM image runs the parent there.
with tap.case("UEFI boot (QEMU TCG + OVMF): GRUB EFI loads hv, which parses the EFI memory map and checks "
              "the CPU (VT-x image: refuses, no VT-x; SVM image: runs the parent)"):
    cpu_check = ([r"hv: SVM ok", r"hvpart parent partition ready"] if hvtest.SVM
                 else [r"hv: this CPU cannot run hvpart: no VT-x"])
    boot_expect("uefi", plain, [r"hvpart hv \d+\.\d+\.\d+", r"hv: RAM \d+ MiB"] + cpu_check,
                timeout=90, backend="qemu-tcg", extra=["--uefi"])

with tap.case("a memory map too small: clear message and halt"):
    boot_expect("small-mem", plain, [r"hv: too little memory", r"hv: halting\."], megs=16)

tap.done()
