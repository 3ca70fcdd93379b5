#!/usr/bin/python3
"""Stress for an open hang (issue 17): apicbase.elf as a child N times in
one machine, looking for test_vcpu's case 11 of CI run 34 (its child
stayed Halted after its one HLT, waiting for its LAPIC timer). Not part
of the suite: tests/system/run.sh runs test_*.py only.
Usage: HVPART_PLATFORM=qemu-svm tests/system/stress_apicbase.py [N]"""
import os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest
N = int(sys.argv[1]) if len(sys.argv) > 1 else 30
G = os.path.join(hvtest.BUILD, "guests")
iso = hvtest.scenario_iso("apicloop", add=[os.path.join(G, "apicbase.elf"), os.path.join(G, "xstate.elf")])
fails = 0
with hvtest.Machine(iso, name="apicloop", watchdog=3000) as m:
    m.expect(hvtest.PROMPT, 90)
    for i in range(N):
        n = "ab%d" % i
        nv = m.command('New-VM -Name %s -MemoryStartupBytes 8MB -Kernel apicbase.elf' % n)
        m.command("Start-VM %s" % n)
        w = m.command("Wait-VM %s -Timeout 30" % n, timeout=60)
        log = m.command("Get-VMConsoleLog %s" % n)
        ok = "exit code 0" in w and "apicbase: PASS" in log
        print(i, "ok" if ok else "FAIL", flush=True)
        if not ok:
            fails += 1
            print(nv); print(w); print(log)
            print(m.command("Get-VM %s | Format-List" % n))
            print(m.command("Debug-VMHost -Action DumpVM -VMName %s" % n))
            print(m.command("Wait-VM %s -Timeout 5" % n, timeout=30))   # did the dump's suspend wake it?
            print(m.command("Get-VMHostLog"))
            m.command("Stop-VM %s -TurnOff" % n)
        print(m.command("Remove-VM %s" % n).split("\n", 1)[1], end="")
print("fails", fails)
