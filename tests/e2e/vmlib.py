"""End-to-end test harness: a vhost-user GPU backend + QEMU 10 + a small Linux guest.

Python 3 standard library only. The backend is a parameter: any program that takes
`--socket-path=PATH` (vugpu's daemon, or QEMU's own vhost-user-gpu for comparison).

Typical use (see test_*.py):

    with vmlib.Session(args, "modetest") as s:
        s.start_backend()
        vm = s.start_vm(scenario="modetest")
        vm.wait_marker("modetest started", 60)
        img = vm.wait_content(60)
        ...

Every process the harness starts dies with it: a Session kills QEMU and the backend on exit,
on exceptions, on SIGTERM/SIGINT, and (through PR_SET_PDEATHSIG) even if Python is SIGKILLed.
"""

import argparse
import collections
import ctypes
import json
import os
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "skip-policy"))
import skip_policy  # noqa: E402  (the host-capability list; VUGPU_STRICT_SKIPS)

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77

# Guest serial markers written by the initramfs' /init ("VUGPU-E2E: <what> t=<uptime>").
MARK = "VUGPU-E2E: "


class Skip(Exception):
    """The test cannot run here. Exit code 77 -- unless VUGPU_STRICT_SKIPS=1 (scripts/test, CI)
    and the reason names no host capability of tests/skip-policy/skip_policy.py (udmabuf, a
    render node, dma-buf import): a missing QEMU, initramfs, backend or Xvfb is then exit 1."""


class TestFailure(Exception):
    """An assertion about the system under test failed. Exit code 1."""


def log(msg):
    print(msg, flush=True)


def check(cond, what):
    """Assert `what`; prints it either way so the log says what was asserted."""
    if not cond:
        raise TestFailure(what)
    log(f"  ok: {what}")


# --------------------------------------------------------------------------------------------
# Child processes: die with the harness.

_libc = None


def _pdeathsig():
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


_SETPRIV = shutil.which("setpriv")


def spawn(argv, log_path, env=None, pass_fds=()):
    """Starts argv in its own process group, stdout+stderr to log_path, with SIGKILL as its
    parent-death signal (util-linux setpriv execs argv in place: same pid; without setpriv, a
    preexec_fn, which is only safe while this process has no other threads). pass_fds: fds
    the child inherits (e.g. Xvfb's -displayfd)."""
    out = open(log_path, "ab", buffering=0)
    try:
        if _SETPRIV:
            return subprocess.Popen([_SETPRIV, "--pdeathsig", "KILL", "--"] + list(argv),
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=True, pass_fds=pass_fds)
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True, preexec_fn=_pdeathsig,
                                pass_fds=pass_fds)
    finally:
        out.close()


def terminate(proc, grace=5.0, sig=signal.SIGTERM):
    """Ends proc (and its process group): sig, then SIGKILL after `grace` seconds. Returns rc."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)
    else:
        # the leader is gone; make sure nothing else of its group survives
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return proc.returncode


# --------------------------------------------------------------------------------------------
# /proc measurements, reusable by other tests (e.g. the 20-cycle frontend test).

def proc_stats(pid):
    """Open fds (with a breakdown by kind) and memory of a live process, from /proc."""
    kinds = collections.Counter()
    fd_dir = f"/proc/{pid}/fd"
    with open(f"/proc/{pid}/stat") as f:
        state = f.read().rpartition(")")[2].split()[0]
    if state in ("Z", "X"):
        raise TestFailure(f"process {pid} has exited (state {state}): no stats")
    n = 0
    for name in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, name))
        except OSError:
            continue
        n += 1
        if target.startswith("socket:"):
            kinds["socket"] += 1
        elif target.startswith("anon_inode:"):
            kinds[target[len("anon_inode:"):].strip("[]")] += 1
        elif target.startswith("/memfd:"):
            kinds["memfd"] += 1
        elif target.startswith("pipe:"):
            kinds["pipe"] += 1
        else:
            kinds["file"] += 1
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmSize", "RssFile", "RssShmem", "RssAnon", "Threads"):
                v = val.split()
                status[key] = int(v[0]) if v else 0
    maps = 0
    try:
        with open(f"/proc/{pid}/maps") as f:
            maps = sum(1 for _ in f)
    except OSError:
        pass
    return {"fds": n, "fd_kinds": dict(kinds), "rss_kb": status.get("VmRSS", 0),
            "hwm_kb": status.get("VmHWM", 0), "rss_anon_kb": status.get("RssAnon", 0),
            "rss_shmem_kb": status.get("RssShmem", 0), "threads": status.get("Threads", 0),
            "maps": maps}


def format_stats(st):
    kinds = ",".join(f"{k}={v}" for k, v in sorted(st["fd_kinds"].items()))
    return (f"fds={st['fds']} ({kinds}) VmRSS={st['rss_kb']} kB (anon {st['rss_anon_kb']}, "
            f"shmem {st['rss_shmem_kb']}) VmHWM={st['hwm_kb']} kB threads={st['threads']} "
            f"maps={st['maps']}")


class StatsLog:
    """Samples a process's fds/RSS under labels and prints them; for leak checks over cycles.

        log = StatsLog(pid)
        log.sample("idle")           # prints and keeps {"fds": .., "rss_kb": .., ...}
        ...
        log.table()                  # all samples, one line each
    """

    def __init__(self, pid, name="backend"):
        self.pid, self.name = pid, name
        self.samples = []

    def sample(self, label):
        st = proc_stats(self.pid)
        self.samples.append((label, st))
        log(f"   {self.name} [{label}] {format_stats(st)}")
        return st

    def table(self):
        log(f"   {self.name} pid {self.pid}: label / fds / VmRSS kB / RssShmem kB / maps / threads")
        for label, st in self.samples:
            log(f"     {label:<28} {st['fds']:>4} {st['rss_kb']:>9} {st['rss_shmem_kb']:>9} "
                f"{st['maps']:>5} {st['threads']:>3}")


# --------------------------------------------------------------------------------------------
# Images: QMP screendump PPM in, PNG out, colour statistics.

class Image:
    def __init__(self, width, height, rgb):
        self.width, self.height, self.rgb = width, height, bytes(rgb)
        assert len(self.rgb) == width * height * 3

    @classmethod
    def from_ppm(cls, path):
        with open(path, "rb") as f:
            data = f.read()
        # P6 <ws> width <ws> height <ws> maxval <single ws> pixels; comments start with '#'
        fields, pos = [], 0
        while len(fields) < 4:
            while data[pos:pos + 1].isspace():
                pos += 1
            if data[pos:pos + 1] == b"#":
                pos = data.index(b"\n", pos) + 1
                continue
            end = pos
            while not data[end:end + 1].isspace():
                end += 1
            fields.append(data[pos:end])
            pos = end
        pos += 1
        if fields[0] != b"P6" or int(fields[3]) != 255:
            raise ValueError(f"{path}: not a P6/255 PPM")
        w, h = int(fields[1]), int(fields[2])
        return cls(w, h, data[pos:pos + w * h * 3])

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return tuple(self.rgb[i:i + 3])

    def histogram(self, step=1):
        """Counter of (r, g, b) -> pixels (every `step`-th pixel if step > 1)."""
        mv = self.rgb
        if step == 1:
            it = iter(mv)
            return collections.Counter(zip(it, it, it))
        c = collections.Counter()
        for i in range(0, len(mv), 3 * step):
            c[(mv[i], mv[i + 1], mv[i + 2])] += step
        return c

    def count_near(self, colour, tol=0):
        """Pixels within `tol` (per channel) of colour."""
        if tol == 0:
            return self.histogram()[tuple(colour)]
        return sum(n for c, n in self.histogram().items()
                   if all(abs(a - b) <= tol for a, b in zip(c, colour)))

    def region_stats(self, x0, y0, x1, y1):
        """Histogram of a rectangle [x0,x1) x [y0,y1)."""
        c = collections.Counter()
        for y in range(y0, y1):
            row = self.rgb[(y * self.width + x0) * 3:(y * self.width + x1) * 3]
            it = iter(row)
            c.update(zip(it, it, it))
        return c

    def crop(self, x0, y0, x1, y1):
        rows = [self.rgb[(y * self.width + x0) * 3:(y * self.width + x1) * 3] for y in range(y0, y1)]
        return Image(x1 - x0, y1 - y0, b"".join(rows))

    def save_png(self, path):
        write_png(path, self.width, self.height, self.rgb)
        return path

    def summary(self, top=4):
        h = self.histogram(step=7)
        total = sum(h.values())
        tops = ", ".join(f"#{r:02x}{g:02x}{b:02x} {100.0 * n / total:.1f}%"
                         for (r, g, b), n in h.most_common(top))
        return f"{self.width}x{self.height}, ~{len(h)} colours, top: {tops}"


def write_png(path, width, height, rgb, alpha=False):
    """Minimal PNG writer (8-bit RGB or RGBA, filter 0 on every row)."""
    bpp = 4 if alpha else 3
    stride = width * bpp
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6))
           + chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(png)
    os.replace(tmp, path)
    return path


def is_placeholder(img, allow_uniform=False):
    """QEMU's "Guest has not initialized the display (yet)." surface: 640x480, nearly one colour.

    Unless allow_uniform, also true for any nearly uniform image (e.g. the black screen of a
    framebuffer console nobody wrote to yet)."""
    h = img.histogram(step=3)
    total = sum(h.values())
    dominant = h.most_common(1)[0][1] / total
    if img.width == 640 and img.height == 480 and dominant > 0.9:
        return True
    return not allow_uniform and dominant > 0.999


# --------------------------------------------------------------------------------------------
# QMP

class QMPError(Exception):
    pass


class QMP:
    def __init__(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(max(0.1, deadline - time.monotonic()))
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QMPError(f"cannot connect to QMP socket {path}")
                time.sleep(0.05)
        self.buf = b""
        self.events = []
        self.greeting = self._read(timeout)
        self.execute("qmp_capabilities")

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError("QMP read timeout")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except OSError as e:
                raise QMPError(f"QMP connection: {e}")
            if not data:
                raise QMPError("QMP connection closed")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def execute(self, cmd, timeout=30.0, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        try:
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
        except OSError as e:
            raise QMPError(f"QMP connection: {e}")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(max(0.01, deadline - time.monotonic()))
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QMPError(f"{cmd}: {reply['error'].get('desc', reply['error'])}")
            return reply.get("return")

    def send_fd(self, fd, fdname):
        """getfd: passes fd over SCM_RIGHTS and names it for later commands."""
        msg = json.dumps({"execute": "getfd", "arguments": {"fdname": fdname}}).encode() + b"\n"
        self.sock.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))])
        while True:
            reply = self._read(10)
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QMPError(f"getfd: {reply['error']}")
            return

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# Locations of QEMU, kernel, initramfs

def cache_dir():
    base = os.environ.get("VUGPU_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "vugpu")
    return base


def qemu_dir(explicit=None):
    if explicit:
        d = explicit
    else:
        try:
            r = subprocess.run([os.path.join(REPO, "scripts", "fetch-qemu")], capture_output=True,
                               text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise Skip(f"scripts/fetch-qemu failed: {e}")
        if r.returncode != 0:
            raise Skip(f"scripts/fetch-qemu failed: {r.stderr.strip()[-500:]}")
        d = r.stdout.strip().splitlines()[-1]
    if not os.access(os.path.join(d, "usr/bin/qemu-system-x86_64"), os.X_OK):
        raise Skip(f"no QEMU in {d} (run scripts/fetch-qemu)")
    return d


def qemu_backend_path(qdir):
    return os.path.join(qdir, "usr/lib/qemu/vhost-user-gpu")


def guest_images(initramfs=None, kernel=None, out_dir=None):
    """(kernel, initramfs): builds the initramfs (into out_dir, default the cache) unless one
    is given."""
    if initramfs is None:
        out = out_dir or os.path.join(cache_dir(), "e2e-guest")
        try:
            r = subprocess.run([os.path.join(HERE, "make-initramfs"), out], capture_output=True,
                               text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise Skip(f"make-initramfs failed: {e}")
        if r.returncode != 0:
            raise Skip(f"cannot build the guest initramfs: {r.stderr.strip()[-500:]}")
        initramfs = r.stdout.strip().splitlines()[-1]
    if kernel is None:
        # the uncompressed PVH vmlinux boots ~6 s faster under TCG than the bzImage
        d = os.path.dirname(os.path.abspath(initramfs))
        kernel = next((os.path.join(d, k) for k in ("vmlinux", "vmlinuz")
                       if os.access(os.path.join(d, k), os.R_OK)), os.path.join(d, "vmlinuz"))
    for p in (initramfs, kernel):
        if not os.access(p, os.R_OK):
            raise Skip(f"cannot read {p} (build it with tests/e2e/make-initramfs DIR)")
    return kernel, initramfs


# --------------------------------------------------------------------------------------------
# Backend

class Backend:
    """A vhost-user GPU backend process listening on a unix socket."""

    def __init__(self, argv, socket_path, log_path, env=None):
        self.argv = list(argv) + [f"--socket-path={socket_path}"]
        self.socket_path = socket_path
        self.log_path = log_path
        self.env = env
        self.proc = None

    def start(self, timeout=20.0):
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        with open(self.log_path, "w") as f:  # a fresh log per run
            f.write("# " + " ".join(shlex.quote(a) for a in self.argv) + "\n")
        t0 = time.monotonic()
        self.proc = spawn(self.argv, self.log_path, self.env)
        while True:
            if unix_listening(self.socket_path):
                break
            if self.proc.poll() is not None:
                raise TestFailure(f"backend exited with {self.proc.returncode} before creating "
                                  f"{self.socket_path}; log:\n{tail(self.log_path)}")
            if time.monotonic() - t0 > timeout:
                raise TestFailure(f"backend did not create {self.socket_path} in {timeout}s")
            time.sleep(0.02)
        self.startup_s = time.monotonic() - t0
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stats(self):
        return proc_stats(self.proc.pid)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace=5.0):
        rc = terminate(self.proc, grace)
        return rc


def unix_listening(path):
    """True when a unix socket bound to path is listening (from /proc/net/unix: no test
    connection, which a single-client backend would take as its VMM)."""
    try:
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            return False
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                parts = line.split()
                if len(parts) >= 8 and parts[7] == path and int(parts[3], 16) & 0x10000:
                    return True
    except (OSError, ValueError):
        pass
    return False


def tail(path, n=30):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join("    | " + l for l in lines[-n:])
    except OSError:
        return "    | (no log)"


# --------------------------------------------------------------------------------------------
# QEMU

class VM:
    def __init__(self, qdir, kernel, initramfs, socket_path, workdir, artifacts, name,
                 scenario, max_outputs=None, mem_mb=256, append=(), extra_args=(), display=None,
                 trace=()):
        self.qdir = qdir
        self.name = name
        self.scenario = scenario
        self.serial_path = os.path.join(artifacts, f"{name}.serial.log")
        self.log_path = os.path.join(artifacts, f"{name}.qemu.log")
        self.qmp_path = os.path.join(workdir, f"{name}.qmp")
        for p in (self.serial_path, self.qmp_path):
            if os.path.exists(p):
                os.unlink(p)
        dev = f"vhost-user-gpu-pci,chardev=gpu,id=gpu0"
        if max_outputs:
            dev += f",max_outputs={max_outputs}"
        cmdline = ["console=ttyS0", "quiet", "panic=-1", f"vugpu.scenario={scenario}"] + list(append)
        self.argv = [
            os.path.join(qdir, "usr/bin/qemu-system-x86_64"),
            "-L", os.path.join(qdir, "usr/share/qemu"),
            "-name", f"vugpu-e2e-{name}",
            "-accel", "tcg", "-smp", "1", "-m", f"{mem_mb}M",
            "-object", f"memory-backend-memfd,id=mem,size={mem_mb}M,share=on",
            "-machine", "q35,memory-backend=mem",
            "-chardev", f"socket,id=gpu,path={socket_path}",
            "-device", dev,
            "-vga", "none", "-nodefaults", "-no-reboot",
            "-serial", f"file:{self.serial_path}",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-kernel", kernel, "-initrd", initramfs,
            "-append", " ".join(cmdline),
        ]
        self.argv += ["-display", display or "none"]
        for t in trace:
            self.argv += ["-trace", t]
        self.argv += list(extra_args)
        self.env = dict(os.environ)
        self.env["QEMU_MODULE_DIR"] = os.path.join(qdir, "usr/lib/x86_64-linux-gnu/qemu")
        self.proc = None
        self.qmp = None
        self.t0 = None
        self.workdir = workdir
        self.artifacts = artifacts
        self._dumps = 0

    def start(self):
        with open(self.log_path, "w") as f:  # a fresh log per run
            f.write("# " + " ".join(shlex.quote(a) for a in self.argv) + "\n")
        self.t0 = time.monotonic()
        self.proc = spawn(self.argv, self.log_path, self.env)
        try:
            self.qmp = QMP(self.qmp_path, timeout=30)
        except QMPError as e:
            raise TestFailure(f"QEMU did not come up ({e}); log:\n{tail(self.log_path)}")
        return self

    def elapsed(self):
        return time.monotonic() - self.t0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _check_alive(self):
        if not self.alive():
            raise TestFailure(f"QEMU exited with {self.proc.returncode}; log:\n{tail(self.log_path)}"
                              f"\n  serial:\n{tail(self.serial_path)}")
        # The backend this QEMU talks to died: nothing the guest waits for will come (fail now,
        # with its log, instead of at the end of a time-out).
        b = getattr(self, "backend", None)
        if b is not None and not b.alive():
            rc = b.proc.returncode
            how = f"was killed by signal {-rc}" if rc is not None and rc < 0 else f"exited with {rc}"
            raise TestFailure(f"the backend (pid {b.pid}) {how} while {self.name} ran; its log:\n"
                              f"{tail(b.log_path)}")

    def serial(self):
        """The guest's serial output up to its last whole line. The guest's UART writes a line a
        few bytes at a time: a line still being written ("modetest started" without its mode
        yet) must not be read as if it were complete."""
        try:
            with open(self.serial_path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return ""
        return data[:data.rfind(b"\n") + 1].decode("utf-8", "replace")

    def markers(self):
        """[(text, guest_uptime)] of every VUGPU-E2E marker so far."""
        out = []
        for line in self.serial().splitlines():
            i = line.find(MARK)
            if i < 0:
                continue
            text = line[i + len(MARK):].rstrip()
            t = None
            if " t=" in text:
                text, _, ts = text.rpartition(" t=")
                try:
                    t = float(ts)
                except ValueError:
                    pass
            out.append((text, t))
        return out

    def _check_guest(self):
        """Markers so far; raises if the guest reported a failure or QEMU is gone."""
        marks = self.markers()
        for text, _ in marks:
            if text.startswith("FAIL"):
                raise TestFailure(f"guest reported: {text}\n  serial:\n{tail(self.serial_path)}")
        self._check_alive()
        return marks

    def wait_marker(self, prefix, timeout):
        """Waits for a marker starting with prefix; returns (text, guest_t, host_elapsed)."""
        deadline = time.monotonic() + timeout
        while True:
            marks = self._check_guest()
            for text, t in marks:
                if text.startswith(prefix):
                    return text, t, self.elapsed()
            if time.monotonic() > deadline:
                raise TestFailure(f"no guest marker '{prefix}' within {timeout}s\n  serial:\n"
                                  f"{tail(self.serial_path)}")
            time.sleep(0.1)

    def wait_markers(self, prefix, count, timeout):
        """Waits until `count` markers start with prefix; returns their texts."""
        deadline = time.monotonic() + timeout
        while True:
            found = [text for text, _ in self._check_guest() if text.startswith(prefix)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TestFailure(f"{len(found)} of {count} guest markers '{prefix}' within "
                                  f"{timeout}s\n  serial:\n{tail(self.serial_path)}")
            time.sleep(0.1)

    def screendump(self, head=None, device=None, save_as=None):
        """QMP screendump (PPM) of a head; returns an Image."""
        self._check_alive()
        self._dumps += 1
        path = os.path.join(self.workdir, f"{self.name}.dump{self._dumps}.ppm")
        args = {"filename": path}
        if head is not None:
            args["device"] = device or "gpu0"
            args["head"] = head
        elif device:
            args["device"] = device
        self.qmp.execute("screendump", timeout=60, **args)
        img = Image.from_ppm(path)
        os.unlink(path)
        if save_as:
            img.save_png(os.path.join(self.artifacts, save_as))
        return img

    def wait_content(self, timeout, head=None, predicate=None, interval=0.5, allow_uniform=False):
        """Waits until the head shows real content (not the placeholder and, unless
        allow_uniform, not uniform) and, if given, predicate(img) is true.
        Returns (img, host_elapsed)."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            img = self.screendump(head)
            last = img
            if not is_placeholder(img, allow_uniform) and (predicate is None or predicate(img)):
                return img, self.elapsed()
            if time.monotonic() > deadline:
                name = f"{self.name}.timeout-head{head or 0}.png"
                img.save_png(os.path.join(self.artifacts, name))
                raise TestFailure(f"head {head or 0}: no real content within {timeout}s "
                                  f"(last screen: {last.summary()}, saved {name})\n  serial:\n"
                                  f"{tail(self.serial_path)}")
            time.sleep(interval)

    def kill(self, sig=signal.SIGKILL):
        if self.qmp:
            self.qmp.close()
            self.qmp = None
        return terminate(self.proc, grace=5.0, sig=sig)

    def stop(self):
        if self.alive() and self.qmp:
            try:
                self.qmp.execute("quit", timeout=5)
            except (QMPError, OSError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        return self.kill(signal.SIGTERM)


# --------------------------------------------------------------------------------------------
# Session: command line, temp dir, artifacts, cleanup

def add_common_args(p):
    p.add_argument("--backend", default=os.environ.get("VUGPU_E2E_BACKEND", "qemu"),
                   help="backend command and arguments (shell words); '--socket-path=SOCK' is "
                        "appended. 'qemu' = QEMU's own vhost-user-gpu from --qemu-dir. "
                        "Default: $VUGPU_E2E_BACKEND or 'qemu'")
    p.add_argument("--backend-env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for the backend (repeatable)")
    p.add_argument("--qemu-dir", default=os.environ.get("VUGPU_QEMU_DIR"),
                   help="extracted QEMU 10 (default: output of scripts/fetch-qemu)")
    p.add_argument("--initramfs", default=os.environ.get("VUGPU_E2E_INITRAMFS"),
                   help="guest initramfs (default: build with make-initramfs into the cache)")
    p.add_argument("--kernel", default=None,
                   help="guest kernel (default: vmlinuz next to the initramfs)")
    p.add_argument("--artifacts", default=None,
                   help="where to keep serial logs, QEMU/backend logs and PNGs "
                        "(default: a new folder under $TMPDIR)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds for each wait (boot, content), default 60")
    return p


class Session:
    """Owns the temp dir, the artifacts folder and every process; cleans up on exit."""

    def __init__(self, args, test_name):
        self.args = args
        self.name = test_name
        self.t0 = time.monotonic()
        self.tmp = tempfile.mkdtemp(prefix=f"vugpu-e2e-{test_name}-")
        self.artifacts = args.artifacts or os.path.join(self.tmp, "artifacts")
        os.makedirs(self.artifacts, exist_ok=True)
        self.socket_path = os.path.join(self.tmp, "gpu.sock")
        self.backends = []
        self.vms = []
        self.timings = []
        self._old_handlers = {}

    # -- context management / cleanup
    def __enter__(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        log(f"== {self.name}: artifacts in {self.artifacts}")
        try:
            self.qdir = qemu_dir(self.args.qemu_dir)
            self.kernel, self.initramfs = guest_images(self.args.initramfs, self.args.kernel)
            self.backend_argv, self.backend_env, self.backend_label = self._backend_cmd()
        except BaseException:
            self.cleanup()
            raise
        log(f"   qemu: {self.qdir}")
        log(f"   guest: {self.kernel} + {self.initramfs}")
        log(f"   backend: {self.backend_label}")
        return self

    def __exit__(self, etype, exc, tb):
        if etype is not None and not issubclass(etype, Skip):
            for b in self.backends:
                log(f"   backend log {b.log_path} (last lines):\n{tail(b.log_path, 15)}")
            log(f"   artifacts (serial logs, QEMU/backend logs, PNGs): {self.artifacts}")
        self.cleanup()
        return False

    def _on_signal(self, signum, frame):
        self.cleanup()
        sys.stderr.write(f"{self.name}: interrupted by signal {signum}\n")
        os._exit(EXIT_FAIL)

    def cleanup(self):
        for vm in self.vms:
            try:
                vm.kill()
            except Exception as e:
                sys.stderr.write(f"cleanup: {e}\n")
        for b in self.backends:
            try:
                b.stop()
            except Exception as e:
                sys.stderr.write(f"cleanup: {e}\n")
        self.vms, self.backends = [], []
        for sig, h in self._old_handlers.items():
            signal.signal(sig, h)
        self._old_handlers = {}
        if os.path.isdir(self.tmp):
            for root, dirs, files in os.walk(self.tmp, topdown=False):
                if root.startswith(self.artifacts):
                    continue
                for f in files:
                    try:
                        os.unlink(os.path.join(root, f))
                    except OSError:
                        pass
                for d in dirs:
                    try:
                        os.rmdir(os.path.join(root, d))
                    except OSError:
                        pass
            try:
                os.rmdir(self.tmp)
            except OSError:
                pass

    # -- backend
    def _backend_cmd(self):
        spec = self.args.backend.strip()
        env = dict(os.environ)
        for kv in self.args.backend_env:
            k, sep, v = kv.partition("=")
            if not sep:
                raise SystemExit(f"--backend-env wants KEY=VALUE, got {kv!r}")
            env[k] = v
        if spec == "qemu":
            path = qemu_backend_path(self.qdir)
            argv = [path]
        else:
            argv = shlex.split(spec)
        exe = shutil.which(argv[0]) if argv else None
        if not exe:
            raise Skip(f"backend program {argv[0] if argv else spec!r} not found/executable")
        argv[0] = exe
        extra = " ".join(kv for kv in self.args.backend_env)
        label = " ".join(shlex.quote(a) for a in argv) + (f"  (env {extra})" if extra else "")
        return argv, env, label

    def is_qemu_backend(self):
        return os.path.basename(self.backend_argv[0]) == "vhost-user-gpu"

    def start_backend(self, tag=None):
        n = len(self.backends)
        log_path = os.path.join(self.artifacts, f"backend{'' if tag is None else '.' + str(tag)}.log")
        b = Backend(self.backend_argv, self.socket_path, log_path, self.backend_env).start()
        self.backends.append(b)
        log(f"   backend pid {b.pid} listening after {b.startup_s:.2f}s")
        return b

    def start_vm(self, scenario, name=None, socket_path=None, **kw):
        """Starts QEMU on the backend's socket (or socket_path, e.g. a vhost_user_tap)."""
        name = name or f"vm{len(self.vms) + 1}"
        vm = VM(self.qdir, self.kernel, self.initramfs, socket_path or self.socket_path, self.tmp,
                self.artifacts, name, scenario, **kw)
        vm.backend = self.backends[-1] if self.backends else None  # the one it connects to
        self.vms.append(vm)
        vm.start()
        log(f"   {name}: QEMU pid {vm.proc.pid}, scenario {scenario}")
        return vm

    # -- reporting
    def timing(self, what, seconds, guest=None):
        self.timings.append((what, seconds, guest))
        g = f" (guest uptime {guest:.2f}s)" if guest is not None else ""
        log(f"   TIMING {what}: {seconds:.2f}s{g}")

    def boot_timings(self, vm, until=("driver bound",)):
        """Records host time of the standard boot markers."""
        for prefix in ("init started",) + tuple(until):
            text, t, host = vm.wait_marker(prefix, self.args.timeout)
            self.timing(f"{vm.name} {prefix}", host, t)

    def wall(self):
        return time.monotonic() - self.t0


def skip_exit(name, reason, wall=None):
    """Prints the skip and returns the exit code: 77, or 1 when the skip is not allowed (the
    switch is on and the reason names no missing host capability)."""
    took = "" if wall is None else f"  (wall {wall:.1f}s)"
    if skip_policy.strict() and skip_policy.capability_of(reason) is None:
        log(f"FAIL {name}: it would skip, but {skip_policy.STRICT_ENV}=1 allows skips only for a "
            f"missing host capability ({skip_policy.allowed_list()}): {reason}{took}")
        return EXIT_FAIL
    log(f"SKIPPED: {reason}{took}")
    return EXIT_SKIP


def main(test_fn, description, extra_args=None):
    """Runs test_fn(args) with the standard arguments; maps outcomes to exit codes."""
    p = argparse.ArgumentParser(description=description)
    add_common_args(p)
    if extra_args:
        extra_args(p)
    args = p.parse_args()
    t0 = time.monotonic()
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    try:
        test_fn(args)
    except Skip as e:
        sys.exit(skip_exit(name, str(e), time.monotonic() - t0))
    except TestFailure as e:
        log(f"FAIL {name}: {e}  (wall {time.monotonic() - t0:.1f}s)")
        sys.exit(EXIT_FAIL)
    except Exception as e:
        import traceback
        traceback.print_exc()
        log(f"FAIL {name}: harness error {type(e).__name__}: {e}  (wall {time.monotonic() - t0:.1f}s)")
        sys.exit(EXIT_FAIL)
    log(f"PASS {name}  (wall {time.monotonic() - t0:.1f}s)")
    sys.exit(EXIT_PASS)


def wait_idle(backend, stats, label, before_any, timeout):
    """Polls the backend until it has handled the hang-up: its fds back to the count before any
    VMM and the guest's memory unmapped (the time-out is a safety net). Returns the sample."""
    deadline = time.monotonic() + timeout
    while True:
        if not backend.alive():
            raise TestFailure(f"the backend exited ({label})")
        st = proc_stats(backend.pid)
        if st["fds"] == before_any["fds"] and st["rss_shmem_kb"] < 16 * 1024:
            return stats.sample(label)
        if time.monotonic() > deadline:
            return stats.sample(label + " (did not settle)")
        time.sleep(0.05)
