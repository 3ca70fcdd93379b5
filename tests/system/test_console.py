#!/usr/bin/python3
"""Foundation scenario: GRUB -> hv -> parent console, driven over COM1.

Checks the boot path, the cmdlets, line editing (backspace, history,
tab completion), bad input (unknown commands, bad parameters, over-long
lines, control characters, binary garbage), files handed over as GRUB
modules, autorun, hv's log, and a clean power-off."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
d = os.path.join(hvtest.BUILD, "test-iso")
os.makedirs(d, exist_ok=True)
note = os.path.join(d, "note.txt")
with open(note, "w") as f:
    f.write("hello from a GRUB module\nsecond line\n")
iso = hvtest.scenario_iso("console", autorun_lines=["Get-ChildItem"], add=[note])
UP, BS, TAB = "\x1b[A", "\x7f", "\t"

with hvtest.Machine(iso, name="console", watchdog=300) as m:
    with tap.case("hv boots, checks VT-x and starts the parent"):
        m.expect(r"hvpart hv \d+\.\d+\.\d+", 60)
        m.expect(r"hv: VT-x ok: VMCS revision 0x[0-9a-f]+, EPT", 30)
        m.expect(r"hv: starting the parent partition", 30)
    with tap.case("autorun runs before the prompt and lists the added file"):
        m.expect(r"PS hvpart> Get-ChildItem\r\n", 30)
        m.expect(r"note\.txt\s+37\r\n", 10)
        m.expect(r"PS hvpart> ", 30)
    with tap.case("Get-VMHost shows version, CPU, VMX features and memory"):
        out = m.command("Get-VMHost")
        for pat in (r"HypervisorVersion : \d+\.\d+\.\d+", r"Processor\s+: \S+",
                    r"VmxFeatures\s+: EPT, UnrestrictedGuest, VPID, PreemptionTimer",
                    r"MemoryTotal\s+: \d+(\.\d+)? MB", r"MemoryFree\s+: \d+(\.\d+)? MB",
                    r"MemoryHypervisor\s+: \d+(\.\d+)? MB"):
            assert re.search(pat, out), "missing %r in %r" % (pat, out)
    with tap.case("Get-VM lists the parent, running, with exit counts by reason"):
        out = m.command("get-vm parent")   # case-insensitive
        assert re.search(r"0\s+parent\s+Running\s+\d+(\.\d+)? MB\s+1\s+\d+", out), repr(out)
        hc = int(re.search(r"Hypercall\s+: (\d+)", out).group(1))
        assert hc >= 2, repr(out)
        assert re.search(r"StopReason\s+: -", out), repr(out)
    with tap.case("CPUID exits are counted (Measure-VMHost) and timed"):
        out = m.command("Measure-VMHost -Iterations 100")
        assert re.search(r"CpuidRoundTripTsc\s+: \d+", out), repr(out)
        out = m.command("Get-VM parent")
        assert int(re.search(r"CPUID\s+: (\d+)", out).group(1)) >= 100, repr(out)
    with tap.case("Get-Help lists the cmdlets; Get-Help NAME shows syntax"):
        out = m.command("Get-Help")
        for c in ("Get-VMHost", "Get-VM", "Get-VMHostLog", "Stop-VMHost", "Get-Help"):
            assert c in out, (c, repr(out))
        out = m.command("Get-Help Get-VM")
        assert "Get-VM [[-Name] <string>]" in out, repr(out)
    with tap.case("an unknown command prints one clear error line"):
        out = m.command("Get-Nothing")
        assert "The term 'Get-Nothing' is not recognized as the name of a cmdlet." in out, repr(out)
        assert out.strip().count("\n") == 1, repr(out)
    with tap.case("a bad parameter prints one error line and runs nothing"):
        out = m.command("Get-VM -Colour red")
        assert "Get-VM : A parameter cannot be found that matches parameter name 'Colour'." in out, repr(out)
        assert "parent" not in out, repr(out)
        out = m.command("Measure-VMHost -Iterations lots")
        assert "Cannot" in out and "CpuidRoundTripTsc" not in out, repr(out)
    with tap.case("backspace edits the line before it runs"):
        out = m.command("Get-VMHostXY" + BS + BS)
        assert "HypervisorVersion" in out, repr(out)
    with tap.case("up arrow recalls the previous command"):
        m.command("Get-VM parent")
        m.send_bytes(UP)
        m.expect(r"Get-VM parent", 10)
        out = m.command("")
        assert re.search(r"parent\s+Running", out), repr(out)
    with tap.case("tab completes a command name"):
        m.send_bytes("Get-VMHostL" + TAB)
        m.expect(r"Get-VMHostLog ", 10)
        out = m.command("")
        assert "hv: starting the parent partition" in out, repr(out)
    with tap.case("a line longer than the buffer is refused with a bell, no overflow"):
        m.send_bytes("x" * 400)
        m.expect(r"\x07", 10)
        out = m.command("")
        assert "is not recognized" in out, repr(out)
    with tap.case("control characters and binary garbage are ignored"):
        # Everything but the editing keys (Enter, Tab, Esc, backspace, and
        # Ctrl-A/B/C/D/E/F/K/L/N/P/U), then a command on the same line.
        keys = b"\r\n\t\x1b\x08\x7f\x01\x02\x03\x04\x05\x06\x0b\x0c\x0e\x10\x15"
        junk = bytes(b for b in range(0, 256) if b not in keys and not 0x20 <= b < 0x7f)
        m.send_bytes(junk)
        # Editing keys among the junk may redraw the prompt, so look for
        # the command's own output rather than the next prompt.
        m.send_line("Get-VM parent")
        m.expect(r"0\s+parent\s+Running", 20)
        m.expect(r"StopReason\s+: -\r\n\r\nPS hvpart> ", 20)
    with tap.case("Get-Content prints a file handed over by GRUB"):
        out = m.command("Get-Content note.txt")
        assert "hello from a GRUB module\r\nsecond line" in out, repr(out)
        out = m.command("Get-Content missing.txt")
        assert "Cannot find path 'missing.txt' because it does not exist." in out, repr(out)
    with tap.case("Stop-VMHost powers off and the emulator ends"):
        m.send_line("Stop-VMHost")
        m.expect(r"Stopping the virtual machine host", 20)
        if not m.wait_exit(60):
            raise hvtest.HarnessError("emulator still running after Stop-VMHost")
tap.done()
