#!/usr/bin/env python3
"""e2e (virgl): kmscube's cube shown through present.egl-headless, read from its PNG snapshots.

Guest: the virgl guest (make-initramfs-virgl), kmscube on the first connector. Backend: vugpu
--virgl (renderer.virgl on EGL surfaceless + llvmpipe here) with present.egl-headless as the
only presenter (QEMU shows nothing) and --stats-file. Snapshots are asked for through the
plugin's trigger FIFO, so each PNG is the composed picture of a frame the guest had flushed.

Asserts:
  - the guest negotiated VIRTIO_GPU_F_VIRGL and kmscube renders through virgl;
  - the stats file carries present.egl-headless's counters (frames, composed, dropped, ...)
    and they move while kmscube runs;
  - a snapshot shows the cube, not the clear colour alone: kmscube's 50 % grey background, a
    cube-sized shape with >= 3 of its 6 face hues, plain corners, at the mode kmscube set;
  - it is upright (present.egl-headless flips GL's bottom-up frames: see virgllib.handedness);
  - a second snapshot, of a later frame (a higher frame number), shows the cube moved.
Says how virgl's frames reached the presenter: here llvmpipe exports no dma-bufs, so they are
CPU frames (uploads, 0 imported); where they are dma-bufs the counters say so.
"""
import glob
import itertools
import json
import os
import re
import signal
import struct
import time
import zlib

import virgllib
import vmlib
from virgllib import check, log

VIRTIO_GPU_F_VIRGL = 0
PLUGIN = "present.egl-headless"
WIDTH, HEIGHT = 800, 600  # the scanout (small: TCG guest + two llvmpipes on 2 cores)


def read_png(path):
    """A vmlib.Image (RGB) of an 8-bit RGB/RGBA PNG. png-snapshots writes every row with the
    'sub' filter: that one is decoded per channel with accumulate (fast); the others by the book."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise vmlib.TestFailure(f"{path}: not a PNG")
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat.append(body)
    if depth != 8 or colour not in (2, 6):
        raise vmlib.TestFailure(f"{path}: depth {depth} colour type {colour}: not an 8-bit RGB(A) PNG")
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for c in range(bpp):
                line[c::bpp] = bytes(itertools.accumulate(line[c::bpp], lambda a, b: (a + b) & 255))
        elif kind != 0:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                if kind == 2:
                    p = b
                elif kind == 3:
                    p = (a + b) // 2
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + p) & 255
        prev = line
        if bpp == 4:
            line = bytearray(line)
            del line[3::4]  # vmlib.Image is RGB
        out += line
    return vmlib.Image(width, height, bytes(out))


class Stats:
    """The backend's --stats-file, written on SIGUSR1 (atomically: old or new file)."""

    def __init__(self, path, backend):
        self.path, self.backend = path, backend

    def read(self, timeout=30):
        if os.path.exists(self.path):
            os.unlink(self.path)
        os.kill(self.backend.pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.path):  # the daemon writes it on its loop
            if not self.backend.alive():
                raise vmlib.TestFailure(f"the backend exited; log:\n{vmlib.tail(self.backend.log_path)}")
            if time.monotonic() > deadline:
                raise vmlib.TestFailure(f"no stats file {self.path} {timeout}s after SIGUSR1")
            time.sleep(0.05)
        with open(self.path) as f:
            return json.load(f)

    def plugin(self, timeout=30):
        st = self.read(timeout)
        counters = st.get("plugins", {}).get(PLUGIN)
        if counters is None:
            raise vmlib.TestFailure(f"the stats file has no counters of {PLUGIN}: {st}")
        return counters

    def wait_frames(self, at_least, timeout):
        """Polls until the presenter got `at_least` frames (a safety-net time-out only)."""
        deadline = time.monotonic() + timeout
        while True:
            c = self.plugin()
            if c["frames"] >= at_least:
                return c
            if time.monotonic() > deadline:
                raise vmlib.TestFailure(f"{PLUGIN} got {c['frames']} frames, not {at_least}, within {timeout}s: {c}")
            time.sleep(0.5)


def snapshot(fifo, pattern_glob, seen, timeout):
    """Asks for a snapshot through the trigger FIFO; waits for a PNG not in `seen`."""
    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # the daemon holds the reading end open
    try:
        os.write(fd, b"snap\n")
    finally:
        os.close(fd)
    deadline = time.monotonic() + timeout
    while True:
        new = sorted(set(glob.glob(pattern_glob)) - seen, key=frame_number)
        if new:
            return new[-1]
        if time.monotonic() > deadline:
            raise vmlib.TestFailure(f"no new snapshot {pattern_glob} within {timeout}s of the trigger")
        time.sleep(0.1)


def frame_number(path):
    m = re.search(r"-(\d+)\.png$", path)
    return int(m.group(1)) if m else -1


def check_cube(name, img):
    st = virgllib.cube_stats(img)
    log(f"   {name}: {img.summary()}; background {st['bg']}, cube bbox {st['bbox']}, {st['count']} px, "
        f"hues {st['hues']}, {st['colours']} colours")
    check((img.width, img.height) == (WIDTH, HEIGHT), f"{name}: {img.width}x{img.height}, the scanout's mode")
    r, g, b = st["bg"]
    check(max(r, g, b) - min(r, g, b) <= 2 and 110 <= r <= 140, f"{name}: background is kmscube's 50% grey ({st['bg']})")
    area = img.width * img.height
    check(st["bbox"] is not None and 0.02 * area <= st["count"] <= 0.7 * area,
          f"{name}: a cube-sized shape, not the clear colour alone ({st['count']} px of {area})")
    check(len(st["hues"]) >= 3, f"{name}: the cube's face colours are there ({st['hues']})")
    corners = [(0, 0), (img.width - 48, 0), (0, img.height - 48), (img.width - 48, img.height - 48)]
    stray = {c for x, y in corners for c in img.region_stats(x, y, x + 48, y + 48)}
    check(stray == {st["bg"]}, f"{name}: the corners are plain background ({len(stray)} colours)")
    return st


def run(args):
    virgllib.prepare(args)
    with vmlib.Session(args, "kmscube-egl-headless") as s:
        snaps = os.path.join(s.artifacts, "snapshots")
        os.makedirs(snaps, exist_ok=True)
        for old in glob.glob(os.path.join(snaps, "*.png")):
            os.unlink(old)
        fifo = os.path.join(s.tmp, "snapshot.fifo")
        config = os.path.join(s.tmp, "vugpu.toml")
        stats_path = os.path.join(s.tmp, "stats.json")
        with open(config, "w") as f:
            f.write(f'presenters = ["{PLUGIN}"]\n'
                    f'[[display.scanout]]\nwidth = {WIDTH}\nheight = {HEIGHT}\n'
                    f'[plugin."{PLUGIN}"]\n'
                    f'snapshot_path = "{snaps}/egl-%s-%n.png"\n'
                    f'interval_ms = -1\nsnapshot_on_exit = false\ntrigger_fifo = "{fifo}"\n')
        s.backend_argv += [f"--config={config}", f"--stats-file={stats_path}"]
        backend = s.start_backend()
        stats = Stats(stats_path, backend)
        c0 = stats.plugin()
        log(f"   {PLUGIN} counters at start: {c0}")
        check(c0["frames"] == 0 and c0["composed"] == 0, f"the stats file carries {PLUGIN}'s counters, 0 before any guest")

        vm = s.start_vm("kmscube", mem_mb=args.mem, extra_args=args.qemu_arg)
        bits = virgllib.boot_marks(s, vm, args.timeout)
        check(virgllib.feature_on(bits, VIRTIO_GPU_F_VIRGL), f"guest negotiated VIRTIO_GPU_F_VIRGL ({bits[:8]}...)")
        _, gt, host = vm.wait_marker("kmscube started", args.timeout)
        s.timing("kmscube started", host, gt)
        rx = re.compile(r'renderer: "([^"]*)"')
        deadline = time.monotonic() + args.timeout
        while not rx.search(vm.serial()):
            vm._check_guest()
            if time.monotonic() > deadline:
                raise vmlib.TestFailure(f"kmscube printed no GL_RENDERER in {args.timeout}s\n{vmlib.tail(vm.serial_path)}")
            time.sleep(0.2)
        renderer = rx.search(vm.serial()).group(1)
        check(renderer.startswith("virgl"), f"kmscube renders through virgl (GL_RENDERER '{renderer}')")

        # kmscube's frames reach the presenter (after the console's): snapshot each few frames
        # until one shows the cube (the time-out is a safety net).
        seen = set()
        deadline = time.monotonic() + args.timeout
        c1 = c0
        while True:
            c1 = stats.wait_frames(c1["frames"] + 5, args.timeout)
            first_path = snapshot(fifo, os.path.join(snaps, "egl-0-*.png"), seen, args.timeout)
            seen.add(first_path)
            first = read_png(first_path)
            if virgllib.looks_like_cube(first):
                break
            log(f"   {os.path.basename(first_path)}: no cube yet ({first.summary()})")
            if time.monotonic() > deadline:
                raise vmlib.TestFailure(f"no snapshot showed the cube within {args.timeout}s "
                                        f"(last: {first_path}, {first.summary()})")
        s.timing(f"first cube in a snapshot ({c1['frames']} frames at {PLUGIN})", s.wall())
        log(f"   snapshot 1: {os.path.basename(first_path)}")
        check_cube("snapshot 1", first)
        up, mirrored = virgllib.handedness(first)
        # At 800x600 the dark faces give more stray votes than QEMU's larger screendumps (measured:
        # 6796 upright / 470 mirrored; the same picture flipped: 470 / 6791): 5x still separates.
        check(up >= 1000 and up >= 5 * mirrored,
              f"snapshot 1 is upright, not mirrored: {up} face samples turn the way kmscube's colour cube "
              f"does, {mirrored} the mirrored way")

        # More frames, another snapshot: a later frame, and the cube has turned.
        c2 = stats.wait_frames(c1["frames"] + 5, args.timeout)
        second_path = snapshot(fifo, os.path.join(snaps, "egl-0-*.png"), seen, args.timeout)
        second = read_png(second_path)
        log(f"   snapshot 2: {os.path.basename(second_path)}")
        check(frame_number(second_path) > frame_number(first_path),
              f"snapshot 2 is of a later frame (frame {frame_number(second_path)} after {frame_number(first_path)})")
        check_cube("snapshot 2", second)
        changed, box = virgllib.motion(first, second)
        check(changed >= 0.02 * box, f"the cube turned between the snapshots ({changed} of {box} px in its box changed)")

        c3 = stats.plugin()
        log(f"   {PLUGIN} counters: {c3}")
        check(c3["frames"] > c1["frames"] > c0["frames"] and c3["composed"] > c1["composed"] > 0,
              f"the counters moved with the frames: frames {c0['frames']} -> {c1['frames']} -> {c3['frames']}, "
              f"composed {c0['composed']} -> {c1['composed']} -> {c3['composed']}, dropped {c3['dropped']}")
        check(c3["snapshots_written"] >= 2, f"snapshots_written {c3['snapshots_written']}")
        if c3["imported"] == 0:
            check(c3["uploads"] > 0, f"virgl's frames reached {PLUGIN} as CPU frames: {c3['uploads']} uploads "
                                     f"({c3['bytes_uploaded']} bytes), 0 dma-buf imports")
            log("   NOTE: virgl's frames are CPU frames here (llvmpipe exports no dma-bufs; renderer.virgl reads "
                "each frame back into host memory and present.egl-headless uploads it to a texture); the dma-buf "
                "import path is not exercised by this run")
        else:
            log(f"   virgl's frames reached {PLUGIN} as dma-bufs: {c3['imported']} imported, {c3['uploads']} uploads")
        fps = re.findall(r"Rendered (\d+) frames in ([\d.]+) sec \(([\d.]+) fps\)", vm.serial())
        if fps:
            log(f"   kmscube reports: {', '.join(f[2] for f in fps[-3:])} fps (last {len(fps[-3:])})")
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__, virgllib.add_args)
