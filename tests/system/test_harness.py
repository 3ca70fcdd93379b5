#!/usr/bin/python3
"""Harness self-test: mkiso + run-bochs + hvtest end to end with mb2echo
(no hypervisor involved). Prints boot and round-trip timings as TAP comments."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hvtest  # noqa: E402

tap = hvtest.Tap()
iso = os.path.join(hvtest.BUILD, "test-iso", "mb2echo.iso")
os.makedirs(os.path.dirname(iso), exist_ok=True)

with tap.case("mb2echo builds and mkiso packs it without a parent"):
    elf = hvtest.build_mb2echo()
    hvtest.mkiso(iso, hv=elf, parent="none")

backends = ["bochs", "qemu-tcg"]
if "--bochs-only" in sys.argv[1:]:
    backends = ["bochs"]

for backend in backends:
    with hvtest.Machine(iso, name="harness-" + backend, backend=backend, watchdog=120) as m:
        with tap.case("%s: boots to 'mb2echo ready'" % backend):
            m.expect(r"mb2echo ready\r\n", 60)
            print("# %s: start to ready %.2f s (after COM1 connect %.2f s)" % (
                backend, time.monotonic() - m.started_at, time.monotonic() - m.connected_at))
        with tap.case("%s: a line comes back echoed" % backend):
            rtts = []
            for i in range(5):
                t = time.monotonic()
                m.send_line("hello %d from the harness" % i)
                m.expect(r"echo: hello %d from the harness\r\n" % i, 20)
                rtts.append(time.monotonic() - t)
            print("# %s: line round trip min %.1f ms, max %.1f ms" % (
                backend, 1000 * min(rtts), 1000 * max(rtts)))
        with tap.case("%s: send_bytes, CR LF counts as one line end" % backend):
            m.send_bytes(b"two\r\nlines\n")
            m.expect(r"echo: two\r\necho: lines\r\n", 20)
        with tap.case("%s: output() holds everything so far" % backend):
            out = m.output()
            assert out.count("echo: ") == 7, "expected 7 echoes in %r" % out
        with tap.case("%s: 'quit' powers off and the run ends by itself" % backend):
            m.send_line("quit")
            m.expect(r"mb2echo bye", 20)
            if not m.wait_exit(30):
                raise hvtest.HarnessError("emulator still running 30 s after power-off")

with tap.case("expect() times out with HarnessError; close() leaves no process"):
    with hvtest.Machine(iso, name="harness-timeout", watchdog=60) as m:
        m.expect(r"mb2echo ready", 60)
        t = time.monotonic()
        try:
            m.expect(r"this never appears", 1, diagnose=False)
        except hvtest.HarnessError:
            pass
        else:
            raise AssertionError("expect did not fail")
        assert time.monotonic() - t < 5, "expect timeout took too long"
        pid = m.proc.pid
    # close() must leave nothing of that run behind
    left = hvtest._session_pids(pid)
    assert not left, "processes left after close(): %s" % left

tap.done()
