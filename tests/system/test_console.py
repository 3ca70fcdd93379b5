#!/usr/bin/python3
"""Foundation scenario: GRUB -> hv -> parent console, driven over COM1.

Checks the boot path, the cmdlets, line editing (backspace, history,
tab completion of commands, parameters and paths, the location in the
prompt), bad input (unknown commands, bad parameters, over-long lines,
control characters, binary garbage), files handed over as GRUB modules,
autorun, hv's log, PowerShell's pipeline as a user types it (Format-List,
Format-Table, Where-Object, Select-Object, Stop-VM from the pipeline,
wildcards, Get-Command, ';', variables), and a clean power-off."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
hvtest.run_tool(["make", "--no-print-directory", "guests"], "building guests")
d = os.path.join(hvtest.BUILD, "test-iso")
os.makedirs(d, exist_ok=True)
note = os.path.join(d, "note.txt")
with open(note, "w") as f:
    f.write("hello from a GRUB module\nsecond line\n")
guests = [os.path.join(hvtest.BUILD, "guests", n) for n in ("hello.elf", "spin.elf")]
iso = hvtest.scenario_iso("console", autorun_lines=["Get-ChildItem"], add=[note] + guests)
UP, BS, TAB = "\x1b[A", "\x7f", "\t"

with hvtest.Machine(iso, name="console", watchdog=300) as m:
    with tap.case("hv boots, checks VT-x (SVM on an SVM platform) and starts the parent"):
        m.expect(r"hvpart hv \d+\.\d+\.\d+", 60)
        if hvtest.SVM:
            m.expect(r"hv: SVM ok: revision \d+, \d+ ASIDs, nested paging", 30)
            m.expect(r"hv: SVM self-test: a valid VMCB ran to HLT, 7 of 7 malformed ones refused", 30)
        else:
            m.expect(r"hv: VT-x ok: VMCS revision 0x[0-9a-f]+, EPT", 30)
        m.expect(r"hv: starting the parent partition", 30)
    with tap.case("autorun runs before the prompt and lists the added file"):
        m.expect(r"PS B:\\> Get-ChildItem\r\n", 30)
        m.expect(r"note\.txt\s+37\r\n", 10)
        m.expect(hvtest.PROMPT, 30)
    with tap.case("the prompt shows the current location (no host volume: B:\\)"):
        # The prompt's own pattern ends at "> ?": wait for its space too,
        # which leaves the UART a character time after the ">".
        out = m.command("Get-Location", prompt=r"PS B:\\> ")
        assert re.search(r"Path\r\n----\r\nB:\\\r\n", out), repr(out)
        assert m.output().endswith("PS B:\\> "), repr(m.output()[-40:])
    with tap.case("Get-VMHost shows version, CPU, the virtualization extension and its features, memory"):
        out = m.command("Get-VMHost")
        for pat in (r"HypervisorVersion\s+: \d+\.\d+\.\d+", r"Processor\s+: \S+",
                    # QEMU TCG's SVM has nested paging but no NRIPS (bochs-notes.md).
                    r"Virtualization\s+: AMD-V \(SVM\)" if hvtest.SVM else r"Virtualization\s+: Intel VT-x",
                    r"VirtualizationFeatures\s+: NestedPaging" if hvtest.SVM else
                    r"VirtualizationFeatures\s+: EPT, UnrestrictedGuest, VPID, PreemptionTimer",
                    r"SvmRevision\s+: 0x1" if hvtest.SVM else r"VmcsRevision\s+: 0x[0-9a-f]+",
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
        # The parent's memcpy of 1,500 bytes: more than nothing, less
        # than a byte a tick (the frame bench's reference).
        mc = re.search(r"Memcpy1500Tsc\s+: (\d+)", out)
        assert mc and 0 < int(mc.group(1)) < 1500 * 20, repr(out)
        out = m.command("Get-VM parent")
        assert int(re.search(r"CPUID\s+: (\d+)", out).group(1)) >= 100, repr(out)
    # An idle machine rests. Where the parent cannot halt in its guest
    # (SVM has no HLT activity state), hv halts the boot processor for
    # it until an interrupt (hv/core/sched_hlt.c, sched_parent_idle);
    # re-entered at once instead, its idle loop halted and exited again
    # without end, and the processor (an emulator's host thread) never
    # rested.
    with tap.case("an idle parent rests: over Start-Sleep -Seconds 2 it halts a few times a PIT tick, "
                  "not without end"):
        def exits():
            out = m.command("Get-VM parent")
            return [int(re.search(r"%s\s+: (\d+)" % k, out).group(1)) for k in ("Hlt", "ExitsTotal")], out
        (h0, e0), _ = exits()
        m.command("Start-Sleep -Seconds 2", timeout=60)
        (h1, e1), out = exits()
        print("# the parent's exits over Start-Sleep -Seconds 2: %d, %d of them at HLT" % (e1 - e0, h1 - h0))
        assert h1 - h0 < 1000, (h1 - h0, out)
        # Bochs's ryzen adds exits for each interrupt its V_IRQ defect
        # leaves untaken (docs/ARCHITECTURE.md, "The SVM backend").
        assert e1 - e0 < 2000 or hvtest.PLATFORM == "bochs-svm", (e1 - e0, out)
    # An interrupt lost on its way to the parent (seen under QEMU SVM:
    # COM1's IRQ 4 left in service at the 8259, the console deaf for
    # good) is recovered by the PIT's watch within 20 ticks
    # (partition/arch/cpu.c irq_watch).
    # QEMU only: on Bochs the injection itself fails (its 8259 answers
    # the poll command with no IRQ 4 here), and the loss was only seen
    # under QEMU.
    LOST = ("a COM1 interrupt lost before the parent handled it (Debug-VMHost -Action "
            "LoseInterrupt): the console hears typing again at once, Get-VMHost counts it")
    if hvtest.PLATFORM != "qemu-svm":
        tap.skip(LOST, "QEMU only: Bochs's 8259 gives no IRQ 4 to the poll command here")
    else:
        with tap.case(LOST):
            out = m.command("Get-VMHost")
            lost0 = int(re.search(r"InterruptsLost\s+: (\d+)", out).group(1))
            out = m.command("Debug-VMHost -Action LoseInterrupt")
            assert "IRQ 4 is in service at the 8259 with no handler run" in out, repr(out)
            time.sleep(1)    # type nothing the UART's FIFO would overrun with meanwhile
            out = m.command("Get-VMHost", timeout=30)
            assert int(re.search(r"InterruptsLost\s+: (\d+)", out).group(1)) == lost0 + 1, repr(out)
            assert re.search(r"InterruptsWhileMasked\s+: 0", out), repr(out)
            assert re.search(r"0\s+parent\s+Running", m.command("Get-VM parent")), "console"
    with tap.case("Get-Help lists the cmdlets; Get-Help NAME shows syntax"):
        out = m.command("Get-Help")
        for c in ("Get-VMHost", "Get-VM", "Get-VMHostLog", "Stop-VMHost", "Get-Help"):
            assert c in out, (c, repr(out))
        out = m.command("Get-Help Get-VM")
        assert "Get-VM [[-Name] <string[]>]" in out, repr(out)   # Hyper-V's string[]
    with tap.case("Get-Help marks Debug-VMHost as a diagnostic, after every other hvpart cmdlet"):
        out = m.command("Get-Help")
        names = re.findall(r"^([A-Z][A-Za-z]+-[A-Za-z]+)\s", out, re.M)
        builtin = {"Get-Command", "Where-Object", "Select-Object", "Select-String",
                   "Sort-Object", "Measure-Object", "Format-Table", "Format-List"}   # the console's own
        after = names[names.index("Debug-VMHost") + 1:]
        assert after and set(after) <= builtin, names
        assert re.search(r"Debug-VMHost\s+Diagnostic, not for normal use", out), repr(out)
        assert "not a Hyper-V cmdlet" in m.command("Get-Help Debug-VMHost")
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
    with tap.case("tab completes parameter names and paths"):
        m.send_bytes("Get-VM -Na" + TAB)
        m.expect(r"Get-VM -Name ", 10)
        out = m.command("parent")
        assert re.search(r"parent\s+Running", out), repr(out)
        m.send_bytes("Get-Content no" + TAB)      # a boot file, on B:
        m.expect(r"Get-Content note\.txt ", 10)
        out = m.command("")
        assert "hello from a GRUB module" in out, repr(out)
    with tap.case("a line longer than the buffer is refused with an error and runs nothing"):
        m.send_bytes("Get-VMHost " + "x" * 600)
        m.expect(r"\x07", 10)
        out = m.command("")
        assert "The command line is too long (at most 511 characters); nothing was run." in out, repr(out)
        assert "is not recognized" not in out and "HypervisorVersion" not in out, repr(out)
        out = m.command("Get-VM parent")      # and the next line is normal
        assert re.search(r"parent\s+Running", out), repr(out)
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
        m.expect(r"StopReason\s+: -\r\n\r\n" + hvtest.PROMPT, 20)
    with tap.case("Get-Content prints a file handed over by GRUB"):
        out = m.command("Get-Content note.txt")
        assert "hello from a GRUB module\r\nsecond line" in out, repr(out)
        out = m.command("Get-Content missing.txt")
        assert "Cannot find path 'missing.txt' because it does not exist." in out, repr(out)
    # web1 spins with interrupts off but on Bochs ryzen, which does not
    # exit for an interrupt while a guest's IF is clear (docs/
    # ARCHITECTURE.md, "The SVM backend"): there it spins with them on.
    with tap.case("pipeline: VMs to work with (web1 running, spinning; web2 and db off)"):
        web1 = "mode=sti" if hvtest.PLATFORM == "bochs-svm" else ""
        for name, kernel, args, mem in (("web1", "spin.elf", web1, "8MB"),
                                        ("web2", "hello.elf", "", "8MB"),
                                        ("db", "hello.elf", "", "16MB")):
            out = m.command('New-VM -Name %s -MemoryStartupBytes %s -Kernel %s -KernelArgs "%s"'
                            % (name, mem, kernel, args))
            assert "Off" in out, repr(out)
        out = m.command("Start-VM web1")
        assert out.strip() == "Start-VM web1", repr(out)
    with tap.case("Get-VM | Format-List shows every property of each VM"):
        out = m.command("Get-VM | Format-List")
        for pat in (r"Name\s+: parent\r\n", r"Name\s+: web1\r\n", r"Name\s+: db\r\n",
                    r"State\s+: Running\r\n", r"ProcessorCount\s+: 1\r\n",
                    r"Hypercall\s+: \d+\r\n", r"StopReason\s+: "):
            assert re.search(pat, out), (pat, repr(out))
        assert len(re.findall(r"^Name\s+: ", out, re.M)) == 4 and "----" not in out, repr(out)
    with tap.case("Get-VM | Format-Table Name,State: just those columns"):
        out = m.command("Get-VM | Format-Table Name,State")
        assert re.search(r"\r\nName\s+State\r\n-+ -+\r\n", out), repr(out)
        assert re.search(r"\r\nweb1\s+Running\r\n", out), repr(out)
        assert re.search(r"\r\nweb2\s+Off\r\n", out), repr(out)
        assert "MemoryAssigned" not in out and " MB" not in out, repr(out)
    with tap.case("Get-VM | Where-Object State -eq Running, and the script-block form"):
        out = m.command("Get-VM | Where-Object State -eq Running | Format-Table Name")
        assert re.findall(r"^(\w+)\r$", out, re.M) == ["Name", "parent", "web1"], repr(out)
        out = m.command("Get-VM | Where-Object { $_.MemoryAssigned -gt 64MB } | Format-Table Name")
        assert re.findall(r"^(\w+)\r$", out, re.M) == ["Name", "parent"], repr(out)
        out = m.command("Get-VM | ? { $_.MemoryAssigned -le 8MB -and $_.Name -like 'web*' } | ft Name")
        names = re.findall(r"^(\w+)\r$", out, re.M)
        assert "web1" in names and "db" not in names and "parent" not in names, repr(out)
    with tap.case("Get-VM | Select-Object Name,Uptime"):
        out = m.command("Get-VM | Select-Object Name,Uptime")
        assert re.search(r"\r\nName\s+Uptime\r\n", out), repr(out)
        assert re.search(r"\r\nweb1\s+\d\d:\d\d:\d\d\r\n", out), repr(out)
        assert "Running" not in out, repr(out)
    with tap.case("Get-VM -Name web* lists only the matches; Get-Command -Noun and -Verb"):
        out = m.command("Get-VM -Name web*")
        assert "web1" in out and "web2" in out and "db" not in out and "parent" not in out, repr(out)
        out = m.command("Get-Command -Noun VM")
        for c in ("Get-VM", "New-VM", "Start-VM", "Stop-VM", "Remove-VM"):
            assert re.search(r"Cmdlet\s+%s\s" % c, out), (c, repr(out))
        assert "Get-VMHost" not in out and "Get-Disk" not in out, repr(out)
        out = m.command("Get-Command -Verb Stop")
        assert re.findall(r"Cmdlet\s+(\S+)", out) == ["Stop-VM", "Stop-VMHost"], repr(out)
    with tap.case("statements separated by ';' run one after another"):
        out = m.command("Get-VM web1 | ft Name; Get-VM db | ft Name")
        assert re.findall(r"^(\w+)\r$", out, re.M) == ["Name", "web1", "Name", "db"], repr(out)
    with tap.case("variables: $x = Get-VM web1, then $x.State and $x"):
        out = m.command("$x = Get-VM web1")
        assert out.strip() == "$x = Get-VM web1", repr(out)
        out = m.command("$x.State")
        assert out.split("\r\n")[1:] == ["Running", ""], repr(out)
        out = m.command("$x")
        assert re.search(r"Id\s+Name\s+State\s+MemoryAssigned", out) and "web1" in out, repr(out)
        out = m.command("$y")
        assert "The variable '$y' cannot be retrieved because it has not been set." in out, repr(out)
    with tap.case("errors in a pipeline name the cmdlet that failed and run nothing"):
        out = m.command("Get-VM | Stop-VM -Bogus")
        assert "Stop-VM : A parameter cannot be found that matches parameter name 'Bogus'." in out, repr(out)
        out = m.command("Get-VM | Where-Object State -eq Runing")
        assert 'Where-Object : Cannot convert value "Runing": specify one of' in out, repr(out)
        out = m.command("Get-VM |")
        assert "An empty pipe element is not allowed." in out, repr(out)
        assert re.search(r"web1\s+Running", m.command("Get-VM web1")), "a failed line stopped web1"
    with tap.case("Get-VM ... | Stop-VM stops what comes down the pipeline"):
        line = "Get-VM web* | Where-Object State -eq Running | Stop-VM -TurnOff"
        out = m.command(line)
        assert out.strip() == line, repr(out)
        out = m.command("Get-VM web1")
        assert re.search(r"web1\s+Off", out) and "turned off" in out, repr(out)
        out = m.command("Get-VM parent | Stop-VM")   # refused, and the error names Stop-VM
        assert re.search(r"Stop-VM : .*parent", out), repr(out)
        out = m.command("Remove-VM web* -Force; Get-VM db | Remove-VM; Get-VM")   # -Force: as Hyper-V's scripts write it
        names = re.findall(r"^\S+\s+(\S+)\s+\S+", out.split("\r\n", 1)[1], re.M)
        assert names == ["Name", "------", "parent"], repr(out)
    with tap.case("Get-Help describes the pipeline cmdlets"):
        out = m.command("Get-Help Where-Object")
        assert "Where-Object [[-FilterScript] <scriptblock>]" in out, repr(out)
        assert "$_.MemoryAssigned -gt 64MB" in out, repr(out)
    with tap.case("Stop-VMHost powers off and the emulator ends"):
        m.send_line("Stop-VMHost")
        m.expect(r"Stopping the virtual machine host", 20)
        if not m.wait_exit(60):
            raise hvtest.HarnessError("emulator still running after Stop-VMHost")
tap.done()
