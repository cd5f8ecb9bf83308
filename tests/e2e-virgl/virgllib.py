"""Shared parts of the virgl end-to-end tests and the virgl benchmark (bench/virgl/run).

Builds on tests/e2e/vmlib.py (imported, not copied): the guest is tests/e2e's initramfs plus a
Mesa overlay (make-initramfs-virgl), the backend is vugpu's daemon with --virgl (or QEMU 10's
vhost-user-gpu), and QEMU's own virtio-gpu-gl-pci can stand in for the whole device (it needs a
GL display: SDL with gl=on inside Xvfb) as the reference of the benchmark.
"""

import colorsys
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.normpath(os.path.join(HERE, "..", "e2e"))
if E2E not in sys.path:
    sys.path.insert(0, E2E)

import vhost_user_tap  # noqa: E402
import vmlib  # noqa: E402
from vmlib import Skip, TestFailure, check, log  # noqa: E402,F401

REPO = vmlib.REPO
GUEST_MEM_MB = 1024  # the initramfs alone unpacks to ~225 MB of tmpfs


# --------------------------------------------------------------------------------------------
# Guest

def guest_dir():
    return os.path.join(vmlib.cache_dir(), "e2e-virgl-guest")


def build_guest(out_dir=None, compress=None, timeout=600):
    """Runs make-initramfs-virgl (cached by input hash); returns (initramfs, seconds)."""
    out = out_dir or guest_dir()
    cmd = [os.path.join(HERE, "make-initramfs-virgl"), out]
    if compress:
        cmd += ["--compress", compress]
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Skip(f"make-initramfs-virgl failed: {e}")
    if r.returncode != 0:
        raise Skip(f"cannot build the virgl guest: {r.stderr.strip()[-800:]}")
    if r.stderr.strip():
        log("   " + r.stderr.strip().splitlines()[-1])
    return r.stdout.strip().splitlines()[-1], time.monotonic() - t0


def add_args(p):
    """Arguments of every virgl test on top of vmlib's."""
    p.add_argument("--mem", type=int, default=GUEST_MEM_MB, help=f"guest MiB (default {GUEST_MEM_MB})")
    p.add_argument("--compress", default=None, choices=("lz4", "zstd", "gzip", "none"),
                   help="overlay compression when building the guest (default: the script's, lz4)")
    p.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                   help="extra QEMU argument (repeatable), e.g. --qemu-arg=-global "
                        "--qemu-arg=virtio-device.queue_reset=off")
    return p


def prepare(args):
    """Makes sure args.initramfs names the virgl guest (vmlib would build the 2D one)."""
    if not args.initramfs:
        args.initramfs, secs = build_guest(compress=args.compress)
        log(f"   virgl guest: {args.initramfs} ({os.path.getsize(args.initramfs) >> 20} MiB, "
            f"ready after {secs:.1f}s)")


def boot_marks(s, vm, timeout):
    """Standard boot milestones as TIMING lines; returns the negotiated virtio feature bits."""
    for prefix in ("init started", "modules loaded", "driver bound"):
        _, gt, host = vm.wait_marker(prefix, timeout)
        s.timing(f"{vm.name} {prefix}", host, gt)
    text, _, _ = vm.wait_marker("virtio features", timeout)
    bits = text[len("virtio features"):].strip()
    vm.wait_marker("render node", timeout)  # the guest's dmesg lines are on the serial by then
    return bits


def feature_on(bits, n):
    """virtio sysfs 'features' is a string of '0'/'1', bit 0 first."""
    return len(bits) > n and bits[n] == "1"


def serial_lines(vm, pattern):
    rx = re.compile(pattern)
    return [l for l in vm.serial().splitlines() if rx.search(l)]


# --------------------------------------------------------------------------------------------
# Pixels: kmscube's smoothly shaded cube on its grey background

def hue_sector(rgb):
    """0..5 = red, yellow, green, cyan, blue, magenta for a saturated colour; None for greys."""
    r, g, b = (c / 255.0 for c in rgb)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    if s < 0.35 or v < 0.2:
        return None
    return int(((h * 6.0) + 0.5) % 6)


def cube_stats(img, step=2):
    """Where the non-background pixels are and which colours they have.

    Background = the most common colour (kmscube clears to 50 % grey). Returns a dict: bg,
    bbox (x0, y0, x1, y1) of pixels farther than 24 from it, count, saturated count, hue sectors
    present (with >= 0.5 % of the cube's pixels each), distinct colours."""
    hist = img.histogram(step=7)
    bg = hist.most_common(1)[0][0]
    w, h, px = img.width, img.height, img.rgb
    x0, y0, x1, y1 = w, h, -1, -1
    count = sat = 0
    sectors = [0] * 6
    colours = set()
    for y in range(0, h, step):
        row = y * w * 3
        for x in range(0, w, step):
            i = row + x * 3
            p = (px[i], px[i + 1], px[i + 2])
            if abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]) <= 24:
                continue
            count += 1
            colours.add(p)
            x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
            hs = hue_sector(p)
            if hs is not None:
                sat += 1
                sectors[hs] += 1
    present = [n for n, c in zip(("red", "yellow", "green", "cyan", "blue", "magenta"), sectors)
               if count and c >= 0.005 * count]
    return {"bg": bg, "bbox": (x0, y0, x1 + 1, y1 + 1) if count else None, "count": count * step * step,
            "saturated": sat * step * step, "hues": present, "colours": len(colours)}


def diff_in(a, b, box, tol=8):
    """Pixels of box (x0, y0, x1, y1) that differ by more than tol in some channel."""
    x0, y0, x1, y1 = box
    n = 0
    for y in range(y0, y1):
        ra = a.rgb[(y * a.width + x0) * 3:(y * a.width + x1) * 3]
        rb = b.rgb[(y * b.width + x0) * 3:(y * b.width + x1) * 3]
        if ra == rb:
            continue
        for i in range(0, len(ra), 3):
            if (abs(ra[i] - rb[i]) > tol or abs(ra[i + 1] - rb[i + 1]) > tol
                    or abs(ra[i + 2] - rb[i + 2]) > tol):
                n += 1
    return n


def union(b1, b2):
    return (min(b1[0], b2[0]), min(b1[1], b2[1]), max(b1[2], b2[2]), max(b1[3], b2[3]))


def looks_like_cube(img):
    st = cube_stats(img, step=4)
    return (st["bbox"] is not None and st["count"] > 0.01 * img.width * img.height
            and len(st["hues"]) >= 3)


def motion(a, b):
    """(pixels that changed inside the union of both cubes' boxes, that box's area)."""
    box = union(cube_stats(a, step=4)["bbox"], cube_stats(b, step=4)["bbox"])
    return diff_in(a, b, box), (box[2] - box[0]) * (box[3] - box[1])


def wait_motion(vm, first, timeout, frames=3, min_fraction=0.02):
    """The cube spins: polls screendumps until `frames` of them in a row (first included) each
    show the cube and differ from the one before in >= min_fraction of the cube's area -- a
    frozen, stale or one-off picture cannot get there. The time-out is only a safety net (a
    busy machine only slows the cube down). Returns the frames and their motions
    [(changed, area)]; fails with what it saw."""
    deadline = time.monotonic() + timeout
    seen, moves = [first], []
    while len(seen) < frames:
        if time.monotonic() > deadline:
            raise TestFailure(f"{vm.name}: the cube did not move in {frames - 1} screendumps in a row "
                              f"within {timeout}s (changes seen: {moves})")
        img = vm.screendump()
        if not looks_like_cube(img):
            seen, moves = [], []  # start again from a frame that shows the cube
            continue
        if seen:
            changed, area = motion(seen[-1], img)
            if changed < min_fraction * area:
                continue  # same frame (or nearly): wait for the next one
            moves.append((changed, area))
        seen.append(img)
    return seen, moves


# --------------------------------------------------------------------------------------------
# The display channel, plus the backend's replies on the main channel

class FeatureTap(vhost_user_tap.VhostUserTap):
    """vhost_user_tap.VhostUserTap that also records the backend's replies on the main channel
    (tests/e2e's tap records only QEMU's requests there), to see GET_FEATURES on the wire."""

    def __init__(self, listen_path, backend_path):
        self.backend_replies = []
        super().__init__(listen_path, backend_path)

    def _main_backend_to_qemu(self, backend, qemu):
        while True:
            m = vhost_user_tap._read_msg(backend)
            if m is None:
                return
            (req, flags, size), raw, fds = m
            with self.lock:
                self.backend_replies.append((time.monotonic(), req, flags, raw[vhost_user_tap.HDR.size:]))
            try:
                vhost_user_tap._send(qemu, raw, fds)
            finally:
                for fd in fds:
                    os.close(fd)

    def features_reply(self):
        """The u64 of the backend's first VHOST_USER_GET_FEATURES (1) reply, or None."""
        with self.lock:
            for _, req, _, payload in self.backend_replies:
                if req == 1 and len(payload) >= 8:
                    return int.from_bytes(payload[:8], "little")
        return None

    def set_features(self):
        """The u64 QEMU sent with VHOST_USER_SET_FEATURES (2): not kept by the base tap."""
        return getattr(self, "_set_features", None)

    def _main_qemu_to_backend(self, qemu, backend):
        # like the base class, but remembers SET_FEATURES' value
        while True:
            m = vhost_user_tap._read_msg(qemu)
            if m is None:
                return
            (req, flags, size), raw, fds = m
            with self.lock:
                self.main_requests.append((time.monotonic(), req, size, len(fds)))
                if req == 2 and size >= 8:
                    self._set_features = int.from_bytes(raw[vhost_user_tap.HDR.size:][:8], "little")
            if req == vhost_user_tap.VHOST_USER_GPU_SET_SOCKET and len(fds) == 1:
                qemu_end = socket.socket(fileno=fds[0])
                mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                self.socks += [qemu_end, mine]
                vhost_user_tap._send(backend, raw, [theirs.fileno()])
                theirs.close()
                self._spawn(self._gpu_forward, mine, qemu_end, "to-qemu")
                self._spawn(self._gpu_forward, qemu_end, mine, "to-backend")
                continue
            try:
                vhost_user_tap._send(backend, raw, fds)
            finally:
                for fd in fds:
                    os.close(fd)


def summarize_channel(tap):
    """Counts of display-channel messages by name and direction, as text."""
    counts = {}
    for e in tap.gpu_events:
        key = f"{e.direction} {e.name}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


# --------------------------------------------------------------------------------------------
# QEMU's built-in virtio-gpu-gl (reference for the benchmark): needs a GL display -> Xvfb + SDL

class Xvfb:
    """An Xvfb server on a free display number; stop() ends it (Session-cleanup compatible)."""

    def __init__(self, log_path, size="1920x1200x24", timeout=300):
        self.log_path = log_path
        self.proc = None
        if not shutil.which("Xvfb"):
            raise Skip("Xvfb not found (apt-get install xvfb)")
        # -displayfd: Xvfb picks a free display number itself and writes it to the pipe once it
        # accepts clients -- the event to wait for (no guessed number, no race with other
        # servers, no polling for its socket). `timeout` is only a safety net for a hung server.
        ready_r, ready_w = os.pipe()
        try:
            self.proc = vmlib.spawn(["Xvfb", "-displayfd", str(ready_w), "-screen", "0", size,
                                     "-nolisten", "tcp", "+extension", "GLX"], log_path,
                                    pass_fds=(ready_w,))
            os.close(ready_w)
            ready_w = -1
            number = b""
            deadline = time.monotonic() + timeout
            while not number.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([ready_r], [], [], left)[0]:
                    raise TestFailure(f"Xvfb did not report a display within {timeout}s: "
                                      f"{vmlib.tail(log_path)}")
                chunk = os.read(ready_r, 16)
                if not chunk:
                    raise TestFailure(f"Xvfb exited ({self.proc.wait(10)}) before it was ready: "
                                      f"{vmlib.tail(log_path)}")
                number += chunk
        finally:
            os.close(ready_r)
            if ready_w >= 0:
                os.close(ready_w)
        self.display = f":{int(number)}"
        self.pid = self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace=5.0):
        return vmlib.terminate(self.proc, grace)


class BuiltinGLVM(vmlib.VM):
    """vmlib.VM with QEMU's own virtio-gpu-gl-pci instead of vhost-user-gpu-pci (no backend
    process: virglrenderer runs inside QEMU) on `-display sdl,gl=on` in an X server."""

    def __init__(self, *a, x_display, **kw):
        kw.setdefault("display", "sdl,gl=on")
        super().__init__(*a, **kw)
        argv = self.argv
        i = argv.index("-chardev")
        del argv[i:i + 2]  # the vhost-user socket
        j = next(k for k in range(len(argv) - 1)
                 if argv[k] == "-device" and argv[k + 1].startswith("vhost-user-gpu-pci"))
        argv[j + 1] = "virtio-gpu-gl-pci,id=gpu0"
        self.env["DISPLAY"] = x_display
        self.env.setdefault("SDL_VIDEODRIVER", "x11")


def start_builtin_vm(s, x_display, scenario, name="vm1", **kw):
    vm = BuiltinGLVM(s.qdir, s.kernel, s.initramfs, "/nonexistent", s.tmp, s.artifacts, name,
                     scenario, x_display=x_display, **kw)
    s.vms.append(vm)
    vm.start()
    log(f"   {name}: QEMU pid {vm.proc.pid} (virtio-gpu-gl-pci, -display sdl,gl=on on {x_display}), "
        f"scenario {scenario}")
    return vm


def xwd_grab(display, path):
    """Screen of an X display as a vmlib.Image (xwd -root | convert to PPM), or None."""
    if not (shutil.which("xwd") and shutil.which("convert")):
        return None
    with tempfile.NamedTemporaryFile(suffix=".ppm", delete=False) as f:
        ppm = f.name
    try:
        xwd = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                             capture_output=True, timeout=30)
        if xwd.returncode != 0:
            return None
        r = subprocess.run(["convert", "xwd:-", f"ppm:{ppm}"], input=xwd.stdout,
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            return None
        return vmlib.Image.from_ppm(ppm)
    finally:
        os.unlink(ppm)


def vugpu_paths():
    """(daemon, plugin dir) of the build tree, or raises Skip."""
    build = os.environ.get("VUGPU_BUILD_DIR") or os.path.join(REPO, "build")
    for d in (os.path.join(build, "core", "vugpu"), os.path.join(build, "core", "daemon", "vugpu")):
        if os.access(d, os.X_OK):
            plugins = os.path.join(build, "plugins")
            return d, plugins
    raise Skip(f"no vugpu daemon in {build}/core (scripts/build --target vugpu)")


def handedness(img, step=3, d=6):
    """Is the image upright? kmscube colours each vertex by its position (r, g, b) = ((x, y, z) + 1)
    / 2, so on a face with outward normal +-axis c, channel c is constant (the face's flat
    lighting scales all three) and the other two grow along the face's own axes. Seen from
    outside, (axis c+1, axis c+2) turn counterclockwise on a + face and clockwise on a - face; a
    mirrored (e.g. upside-down) picture turns every face the other way.

    Returns (upright votes, mirrored votes) over pixels well inside a face."""
    w, h, px = img.width, img.height, img.rgb

    def at(x, y):
        i = (y * w + x) * 3
        return px[i], px[i + 1], px[i + 2]

    bg = img.histogram(step=7).most_common(1)[0][0]
    up = mirrored = 0
    for y in range(d, h - d, step):
        for x in range(d, w - d, step):
            c0 = at(x, y)
            pts = (at(x - d, y), at(x + d, y), at(x, y - d), at(x, y + d))
            if any(abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]) <= 24 for p in pts + (c0,)):
                continue
            gx = [(pts[1][k] - pts[0][k]) / (2 * d) for k in range(3)]  # per pixel, x right
            gy = [(pts[3][k] - pts[2][k]) / (2 * d) for k in range(3)]  # per pixel, y down
            mags = [abs(gx[k]) + abs(gy[k]) for k in range(3)]
            c = min(range(3), key=lambda k: mags[k])
            a, b = (c + 1) % 3, (c + 2) % 3
            if mags[c] > 0.25 * min(mags[a], mags[b]) or min(mags[a], mags[b]) < 0.05:
                continue  # an edge between faces, or too flat to tell
            if c0[c] >= max(c0[a], c0[b]) - 2:
                s = 1     # the face's constant channel is at its brightest: a + face
            elif c0[c] <= min(c0[a], c0[b]) + 2:
                s = -1
            else:
                continue
            cross_down = gx[a] * gy[b] - gy[a] * gx[b]  # image coordinates: y grows downwards
            if abs(cross_down) < 1e-3:
                continue
            # upright: counterclockwise in (right, up) = negative cross in (right, down) for s = +1
            if (cross_down < 0) == (s > 0):
                up += 1
            else:
                mirrored += 1
    return up, mirrored
