"""hvtest: drive an emulated machine's COM1 from system-test scenarios.

A Machine boots an ISO in Bochs (tools/run-bochs) or QEMU TCG (tools/run-qemu
--tcg) with COM1 on a loopback TCP socket (the emulator waits for the
connection, so no output is lost), under a watchdog. With serial="pty" COM1 is
a pseudo-terminal instead, as `make run` gives the user: Bochs then feeds
typed bytes to the UART at the line rate whether or not the guest keeps up
(a full receive FIFO loses them), where the socket mode waits for the guest
to drain the FIFO; on the qemu-svm platform QEMU's host tty back end, whose
UART takes a byte only when its FIFO has room. Scenarios call
expect()/send_line() and report TAP lines through Tap:

    import hvtest
    tap = hvtest.Tap()
    with hvtest.Machine(iso, name="boot") as m:
        with tap.case("reaches the prompt"):
            m.expect(hvtest.PROMPT, 60)
    tap.done()

Every run leaves its serial log, emulator log and port-E9 output in
build/test-logs/system/NAME.* (HVPART_LOGS overrides build/test-logs).
"""

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tty

# The console's prompt shows the current location, as PowerShell's does:
# "PS C:\> ", "PS C:\vms> ", or "PS B:\> " without a host volume.
PROMPT = r"PS [A-Z]:\\[^\r\n>]*> ?"

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")

# The platform scenarios run on (tests/system/run.sh --platform, or
# HVPART_PLATFORM): "bochs-vmx" (default: Bochs corei7_skylake_x, the VT-x
# image build/hv.elf), "qemu-svm" (QEMU TCG -cpu max, the SVM image
# build/hv-svm.elf) or "bochs-svm" (Bochs ryzen, the SVM image). A scenario
# that asks for a backend itself (backend="qemu-tcg") keeps it.
PLATFORMS = ("bochs-vmx", "qemu-svm", "bochs-svm")
PLATFORM = os.environ.get("HVPART_PLATFORM", "bochs-vmx")
if PLATFORM not in PLATFORMS:
    raise SystemExit("hvtest: unknown HVPART_PLATFORM %r (one of %s)" % (PLATFORM, ", ".join(PLATFORMS)))
SVM = PLATFORM.endswith("-svm")


def _terminated(signum, frame):
    """run.sh's watchdog (timeout) sends SIGTERM: unwind, so that every
    Machine's close() stops its emulator, which runs in a session of its
    own and would otherwise outlive the scenario."""
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _terminated)


def default_hv():
    """The hv image of this platform."""
    return os.path.join(BUILD, "hv-svm.elf" if SVM else "hv.elf")


class HarnessError(Exception):
    """A scenario step failed (timeout, unexpected exit, bad setup)."""


def log_dir():
    d = os.path.join(os.environ.get("HVPART_LOGS", os.path.join(BUILD, "test-logs")), "system")
    os.makedirs(d, exist_ok=True)
    return d


def _tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("latin-1")
    except OSError:
        return []
    return data.splitlines()[-lines:]


def _session_pids(sid):
    """Processes whose session id is sid (the session our launcher leads)."""
    pids = []
    for ent in os.listdir("/proc"):
        if not ent.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % ent) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 3 and int(fields[3]) == sid:
            pids.append(int(ent))
    return pids


def _free_port():
    """A loopback port nothing listens on or lingers on (Bochs does not set
    SO_REUSEADDR, so avoid ports in TIME_WAIT too)."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        finally:
            s.close()
        # The kernel gave us an unused ephemeral port; make sure a plain bind
        # (no SO_REUSEADDR, as Bochs does it) would succeed as well.
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
    raise HarnessError("no free loopback port")


class Machine:
    """One emulator run with COM1 on a socket.

    backend: "bochs" (default) or "qemu-tcg" (QEMU -accel tcg -cpu max, which
    has no VMX). watchdog: seconds after which the emulator is killed
    whatever happens. Other keyword arguments map to the launcher's options:
    cpu, megs, disks (list), sync, ips (Bochs only), extra (list of raw
    launcher arguments). serial: "socket" (default) or "pty" (Bochs, and QEMU
    on the qemu-svm platform: a terminal, as a user's).
    bare: the machine boots no hv (an oracle run of a test kernel), so it
    runs on the backend and CPU asked for whatever the platform.
    nic: a MAC ("00:15:5d:00:0a:01") for an e1000 on a network inside the
    emulator: Bochs's vnet (a host at 192.168.10.1 answering ARP, ICMP
    echo and DHCP for that one MAC), or on QEMU a hub with no other port.
    """

    def __init__(self, iso, name="machine", backend="bochs", watchdog=300,
                 cpu=None, megs=None, disks=(), sync=None, ips=None, extra=(),
                 echo=None, serial="socket", nic=None, bare=False):
        if backend not in ("bochs", "qemu-tcg"):
            raise HarnessError("unknown backend %r" % backend)
        if bare:
            pass
        elif backend == "bochs" and PLATFORM == "qemu-svm":
            # The Bochs-only knobs have no QEMU meaning; the CPU is -cpu max.
            # sync="none" (the TSC counts instructions) has one: QEMU's
            # -icount (tools/run-qemu --icount).
            backend, cpu, ips = "qemu-svm", None, None
            sync = sync if sync == "none" else None
        elif backend == "bochs" and SVM and cpu is None:
            # bochs-svm: the SVM image on Bochs's ryzen.
            cpu = "ryzen"
        if SVM:
            name = name + "-" + PLATFORM
        if serial not in ("socket", "pty") or (serial == "pty" and backend not in ("bochs", "qemu-svm")):
            raise HarnessError("serial %r is not available with %s" % (serial, backend))
        self.serial = serial
        self._pty = None
        if not os.path.isfile(iso):
            raise HarnessError("ISO %s not found" % iso)
        self.iso, self.name, self.backend, self.watchdog = iso, name, backend, watchdog
        self.cpu, self.megs, self.disks, self.sync, self.ips = cpu, megs, list(disks), sync, ips
        self.extra = list(extra)
        self.nic = nic
        self.echo = echo if echo is not None else bool(os.environ.get("HVTEST_ECHO"))
        d = log_dir()
        self.serial_log = os.path.join(d, name + ".serial")
        self.emu_log = os.path.join(d, name + "." + backend + ".log")
        self.e9_log = os.path.join(d, name + ".e9")
        self.launcher_log = os.path.join(d, name + ".launcher")
        self.proc = None
        self.sock = None
        self._buf = bytearray()
        self._cursor = 0
        self._lock = threading.Condition()
        self._eof = False
        self._reader = None
        self._serial_f = None
        self.started_at = None
        self.connected_at = None

    # ---- life cycle -------------------------------------------------------
    def _command(self, port):
        if self.backend == "bochs":
            com1 = ["--serial-pty", port] if self.serial == "pty" else ["--serial-socket", str(port)]
            cmd = [os.path.join(ROOT, "tools", "run-bochs"), self.iso] + com1 + [
                   "--timeout", str(self.watchdog),
                   "--log", self.emu_log, "--e9", self.e9_log]
            if self.sync:
                cmd += ["--sync", self.sync]
            if self.ips:
                cmd += ["--ips", str(self.ips)]
        else:
            com1 = ["--serial-pty", port] if self.serial == "pty" else ["--serial-socket", str(port)]
            cmd = [os.path.join(ROOT, "tools", "run-qemu"), self.iso, "--tcg"] + com1 + [
                   "--timeout", str(self.watchdog),
                   "--log", self.emu_log, "--e9", self.e9_log]
            if self.sync == "none":
                cmd += ["--icount"]
        if self.cpu:
            cmd += ["--cpu", self.cpu]
        if self.megs:
            cmd += ["--megs", str(self.megs)]
        for d in self.disks:
            cmd += ["--disk", d]
        if self.nic:
            cmd += (["--nic", "vnet"] if self.backend == "bochs" else ["--nic"]) + ["--nic-mac", self.nic]
        return cmd + self.extra

    def start(self):
        """Launch the emulator and connect to COM1. Returns self."""
        if self.serial == "pty":
            return self._start_pty()
        for attempt in range(5):
            port = _free_port()
            for p in (self.emu_log, self.e9_log):
                if os.path.exists(p):
                    os.unlink(p)
            launcher = open(self.launcher_log, "wb")
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(self._command(port), cwd=ROOT,
                                         stdin=subprocess.DEVNULL, stdout=launcher,
                                         stderr=subprocess.STDOUT, start_new_session=True)
            launcher.close()
            sock = self._connect(port)
            if sock is not None:
                break
            # The emulator ended before we connected: a port clash is retried.
            self.proc.wait()
            text = "\n".join(_tail(self.emu_log, 200) + _tail(self.launcher_log, 50))
            if "bind() or listen() failed" in text or "Address already in use" in text:
                continue
            self._diagnose("emulator ended before COM1 was connected (exit %s)" % self.proc.returncode)
            raise HarnessError("%s: emulator did not start" % self.name)
        else:
            raise HarnessError("%s: could not get a COM1 port after 5 tries" % self.name)
        self.connected_at = time.monotonic()
        self.sock = sock
        self._serial_f = open(self.serial_log, "wb")
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        return self

    def _start_pty(self):
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        self._pty = (master, slave)
        for p in (self.emu_log, self.e9_log):
            if os.path.exists(p):
                os.unlink(p)
        with open(self.launcher_log, "wb") as launcher:
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(self._command(os.ttyname(slave)), cwd=ROOT,
                                         stdin=subprocess.DEVNULL, stdout=launcher,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.connected_at = time.monotonic()
        self._serial_f = open(self.serial_log, "wb")
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        return self

    def _recv(self):
        if self._pty is None:
            return self.sock.recv(65536)
        while True:
            # The slave stays open here, so the master never sees a hangup:
            # poll, and end when the emulator has gone.
            r, _, _ = select.select([self._pty[0]], [], [], 0.5)
            if r:
                return os.read(self._pty[0], 65536)
            if self.proc.poll() is not None or self._pty is None:
                return b""

    def _connect(self, port):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return None
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=1)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                s.settimeout(None)
                return s
            except OSError:
                time.sleep(0.05)
        self.close()
        raise HarnessError("%s: could not connect to COM1 on port %d" % (self.name, port))

    def _read_loop(self):
        while True:
            try:
                data = self._recv()
                # The emulators write COM1 a byte at a time and their sockets
                # use Nagle; acknowledging at once avoids a 40 ms delayed-ACK
                # stall per burst. QUICKACK is not sticky: set it every time.
                if self.sock is not None:
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            except OSError:
                data = b""
            with self._lock:
                if not data:
                    self._eof = True
                    self._lock.notify_all()
                    return
                self._buf += data
                self._serial_f.write(data)
                self._serial_f.flush()
                self._lock.notify_all()
            if self.echo:
                sys.stderr.write(data.decode("latin-1"))
                sys.stderr.flush()

    def close(self):
        """Stop the emulator (always safe to call, also after it ended)."""
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            # Whatever is left in the launcher's session (timeout, the emulator).
            self._kill_session(5)
        if self._reader is not None:
            self._reader.join(2)
        if self._pty is not None:
            for fd in self._pty:
                os.close(fd)
            self._pty = None
        if self._serial_f is not None:
            self._serial_f.close()
            self._serial_f = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- serial I/O ---------------------------------------------------------
    def output(self):
        """Everything received on COM1 so far (str, one char per byte)."""
        with self._lock:
            return bytes(self._buf).decode("latin-1")

    def expect(self, pattern, timeout=30, diagnose=True):
        """Wait for regex pattern in the output after the previous match and
        return the re.Match. On timeout or emulator exit, print the tails of
        the serial and emulator logs (unless diagnose=False) and raise
        HarnessError."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                text = bytes(self._buf).decode("latin-1")
                m = rx.search(text, self._cursor)
                if m:
                    self._cursor = m.end()
                    return m
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    break
                self._lock.wait(min(left, 0.5))
        why = "emulator ended" if self._eof else "timeout after %gs" % timeout
        if diagnose:
            self._diagnose("expect %r: %s" % (rx.pattern, why))
        raise HarnessError("expect %r: %s" % (rx.pattern, why))

    def send_bytes(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        try:
            if self._pty is not None:
                view = memoryview(data)
                while view:
                    view = view[os.write(self._pty[0], view):]
            else:
                self.sock.sendall(data)
        except OSError as e:
            self._diagnose("send failed: %s" % e)
            raise HarnessError("%s: send failed: %s" % (self.name, e))

    def send_line(self, line):
        """Send line followed by CR (what a terminal's Enter key sends)."""
        self.send_bytes(line + "\r")

    def command(self, line, prompt=None, timeout=60):
        """Type a console command and return the output up to the next prompt."""
        self.send_line(line)
        start = self._cursor
        m = self.expect(prompt or PROMPT, timeout)
        return self.output()[start:m.start()]

    def wait_exit(self, timeout=30):
        """Wait for the emulator to end by itself; True if it did (and not by
        the watchdog), False if it is still running after timeout."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        if self._reader is not None:
            self._reader.join(2)
        return rc == 0

    def power_cut(self):
        """Pull the plug: SIGKILL to every process of the emulator's session at
        once, nothing flushed or closed by it (a disk image keeps what the
        emulator had written to it, as a disk keeps what reached it)."""
        if self.proc is not None:
            self._kill_session(30)

    def _kill_session(self, wait):
        """SIGKILL to every process of the launcher's session, then up to
        `wait` seconds for the launcher to end."""
        for pid in _session_pids(self.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            pass

    @property
    def exit_status(self):
        return None if self.proc is None else self.proc.poll()

    # ---- diagnostics --------------------------------------------------------
    def _diagnose(self, what):
        out = sys.stdout
        out.write("# %s: %s\n" % (self.name, what))
        out.write("# --- tail of serial log %s\n" % self.serial_log)
        for line in self.output().splitlines()[-30:]:
            out.write("#   %s\n" % line.rstrip("\r"))
        log = _tail(self.emu_log, 2000)
        bad = [l for l in log if re.match(r"^\d+[ep]\[", l)][-10:]
        if bad:
            out.write("# --- last errors/panics in %s log %s\n" % (self.backend, self.emu_log))
            for line in bad:
                out.write("#   %s\n" % line)
        out.write("# --- tail of %s log %s\n" % (self.backend, self.emu_log))
        for line in log[-20:]:
            out.write("#   %s\n" % line)
        extra = _tail(self.launcher_log, 10)
        if extra:
            out.write("# --- launcher output %s\n" % self.launcher_log)
            for line in extra:
                out.write("#   %s\n" % line)
        out.flush()


class Tap:
    """TAP output: `with tap.case("name"): ...` prints ok/not ok N - name."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def case(self, name):
        return _Case(self, name)

    def result(self, name, ok, detail=None):
        self.n += 1
        if not ok:
            self.failed += 1
        if detail:
            for line in str(detail).splitlines():
                print("# " + line)
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, name))
        sys.stdout.flush()

    def skip(self, name, reason):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, reason))
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


class _Case:
    def __init__(self, tap, name):
        self.tap, self.name = tap, name

    def __enter__(self):
        return self

    def __exit__(self, typ, exc, tb):
        if typ is None:
            self.tap.result(self.name, True)
        elif issubclass(typ, Exception):
            self.tap.result(self.name, False, "%s: %s" % (typ.__name__, exc))
        else:
            return False
        return True


# ---- build helpers -----------------------------------------------------------
CONSOLE_COUNTERS = ("ConsoleRxBytes", "ConsoleOverruns", "ConsoleRxDropped")


def console_counters(m):
    """The parent console's receive counters (Get-VMHost): bytes taken from
    the UART, the UART's overruns, bytes a full ring dropped."""
    out = m.command("Get-VMHost", timeout=60)
    return {k: int(re.search(k + r"\s+: (\d+)", out).group(1)) for k in CONSOLE_COUNTERS}


def masked_deliveries(m):
    """Get-VMHost's InterruptsWhileMasked: interrupts the parent was
    delivered where its RFLAGS.IF was clear (a second delivery; it drops
    them, partition/arch/cpu.c). 0 on a sound platform."""
    out = m.command("Get-VMHost", timeout=60)
    g = re.search(r"InterruptsWhileMasked\s+: (\d+)", out)
    if not g:
        raise HarnessError("Get-VMHost has no InterruptsWhileMasked:\n" + out)
    return int(g.group(1))


def paste_comments(m, size):
    """Paste size bytes of comment lines (63 characters and CR; the console
    runs nothing for them) in one write, and wait for each line's echo.
    Returns how many of them the console counted, and its overruns and
    drops meanwhile."""
    lines, total = [], 0
    while total < size:
        line = ("# paste line %04d " % len(lines)).ljust(63, "x")[:min(63, size - total - 1)]
        lines.append(line)
        total += len(line) + 1
    before = console_counters(m)
    m.send_bytes("".join(line + "\r" for line in lines))
    for line in lines:
        m.expect(re.escape(line) + r"\r\n", 120)
    m.expect(PROMPT, 60)
    after = console_counters(m)
    delta = {k: after[k] - before[k] for k in CONSOLE_COUNTERS}
    delta["ConsoleRxBytes"] -= len("Get-VMHost\r")
    return delta


def count_in_file(path, text):
    """How many times text occurs in a (possibly large) log file."""
    needle, n = text.encode("latin-1"), 0
    with open(path, "rb") as f:
        for line in f:
            n += line.count(needle)
    return n


def run_tool(args, what):
    r = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise HarnessError("%s failed (exit %d): %s" % (what, r.returncode,
                                                       r.stdout.decode(errors="replace").strip()))
    return r.stdout.decode(errors="replace")


def guest_volume(d, guests, size):
    """Build d/vol.img (tools/mkvol, size like "32M") holding each of the
    built guests (names in build/guests) under guests/; returns its path."""
    folder = os.path.join(d, "vol-files")
    subprocess.run(["rm", "-rf", folder], check=True)
    os.makedirs(os.path.join(folder, "guests"))
    for g in guests:
        shutil.copyfile(os.path.join(BUILD, "guests", g), os.path.join(folder, "guests", g))
    vol = os.path.join(d, "vol.img")
    run_tool([os.path.join(ROOT, "tools", "mkvol"), folder, vol, "--size", size], "mkvol")
    return vol


def mkiso(out, hv=None, parent=None, cmdline=None, autorun=None, add=(), grub_serial=False):
    """Build an ISO with tools/mkiso; parent='none' leaves the parent out."""
    args = [os.path.join(ROOT, "tools", "mkiso"), "-o", out]
    if hv:
        args += ["--hv", hv]
    if parent:
        args += ["--parent", parent]
    if cmdline is not None:
        args += ["--cmdline", cmdline]
    if autorun:
        args += ["--autorun", autorun]
    for f in add:
        args += ["--add", f]
    if grub_serial:
        args.append("--grub-serial")
    run_tool(args, "mkiso")
    return out


def build_mb2echo():
    """Build the harness self-test guest; returns its path."""
    run_tool(["make", "--no-print-directory", "-f", "tests/guests/mb2echo/module.mk",
              "build/guests/mb2echo.elf"], "building mb2echo")
    return os.path.join(BUILD, "guests", "mb2echo.elf")


def default_iso():
    """The ISO `make` builds."""
    return os.path.join(BUILD, "hvpart.iso")


def vp_cpus(m, name):
    """The processor of each of the VM's virtual processors (Get-VMProcessor)."""
    out = m.command("Get-VMProcessor %s | Format-List" % name)
    cpus = [int(c) for c in re.findall(r"vCPU \d+: [\d.]+ s on CPU (\d+)", out)]
    assert cpus, out
    return cpus


def scenario_iso(name, autorun_lines=None, add=(), cmdline=None, hv=None, parent=None):
    """Build build/test-iso/NAME.iso from build/hv.elf and build/parent.elf
    (or the given ones), with an autorun module made of autorun_lines."""
    d = os.path.join(BUILD, "test-iso")
    os.makedirs(d, exist_ok=True)
    autorun = None
    if autorun_lines is not None:
        autorun = os.path.join(d, name + ".autorun")
        with open(autorun, "w") as f:
            f.write("".join(line + "\n" for line in autorun_lines))
    if hv is None and SVM:
        hv, name = default_hv(), name + "-svm"
    return mkiso(os.path.join(d, name + ".iso"), hv=hv, parent=parent, cmdline=cmdline,
                 autorun=autorun, add=add)
