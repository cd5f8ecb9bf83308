#!/usr/bin/env python3
"""e2e (virgl): a guest with Mesa's virgl driver draws kmscube's spinning cube through the backend.

Guest: tests/e2e's initramfs + Mesa (virtio_gpu_dri.so only: no swrast, so a software fallback
fails instead of passing), kmscube, eglinfo (make-initramfs-virgl). Backend: vugpu --virgl
(renderer.virgl on EGL surfaceless + llvmpipe here). No display attached to QEMU.

Asserts:
  - the guest negotiated VIRTIO_GPU_F_VIRGL (virtio sysfs features) and its DRM driver says +virgl;
  - eglinfo: the GBM platform (kmscube's path) runs Mesa's virtio_gpu driver;
  - kmscube reports GL_RENDERER "virgl (...)" (the guest renders through virgl, not in software);
  - a screendump shows the cube: grey background, a cube-sized blob with >= 3 of the 6 hues of
    kmscube's smooth-shaded faces; the screen has the mode kmscube set;
  - the picture is upright: kmscube colours each vertex by its position, so the faces' colour
    gradients have a handedness that a vertical (or horizontal) flip reverses;
  - it spins: three screendumps in a row show the cube, each differing from the one before in
    >= 2 % of the cube's area (polled until then; no fixed sleep).
With --tap (vhost_user_tap between QEMU and the backend), also what goes over the wire: the
backend's GET_FEATURES reply has VIRTIO_GPU_F_VIRGL, QEMU acked it in SET_FEATURES, frames reach
QEMU as SCANOUT + UPDATE (how many, how big), and whether any DMABUF_* message was sent.
"""
import os
import re
import time

import virgllib
import vmlib
from virgllib import check, log

VIRTIO_GPU_F_VIRGL = 0


def wait_serial(vm, pattern, timeout):
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while True:
        vm._check_guest()
        m = rx.search(vm.serial())
        if m:
            return m
        if time.monotonic() > deadline:
            raise vmlib.TestFailure(f"no /{pattern}/ on the guest serial within {timeout}s\n  serial:\n"
                                    f"{vmlib.tail(vm.serial_path)}")
        time.sleep(0.2)


def run(args):
    virgllib.prepare(args)
    with vmlib.Session(args, "kmscube" + ("-tap" if args.tap else "")) as s:
        backend = s.start_backend()
        tap = None
        try:
            sock = None
            if args.tap:
                tap = virgllib.FeatureTap(os.path.join(s.tmp, "tap.sock"), backend.socket_path)
                sock = tap.listen_path
            vm = s.start_vm("kmscube", socket_path=sock, mem_mb=args.mem, extra_args=args.qemu_arg)
            bits = virgllib.boot_marks(s, vm, args.timeout)
            check(virgllib.feature_on(bits, VIRTIO_GPU_F_VIRGL),
                  f"guest negotiated VIRTIO_GPU_F_VIRGL (virtio features {bits[:8]}...)")
            drm = [l for l in virgllib.serial_lines(vm, r"\[drm\] features:")]
            check(any("+virgl" in l for l in drm), f"guest DRM driver: {drm[0].split('[drm] ')[-1] if drm else '?'}")

            text, gt, host = vm.wait_marker("eglinfo", args.timeout)
            s.timing("eglinfo done", host, gt)
            drivers = dict(w.split("=", 1) for w in text.split("drivers:", 1)[-1].split() if "=" in w)
            check(drivers.get("GBM") == "virtio_gpu",
                  f"eglinfo: GBM platform driver is virtio_gpu (all: {drivers or 'none'})")

            _, gt, host = vm.wait_marker("kmscube started", args.timeout)
            s.timing("kmscube started", host, gt)
            kmscube_started = vm.t0 + host  # host clock of the tap's events
            m = wait_serial(vm, r'renderer: "([^"]*)"', args.timeout)
            renderer = m.group(1)
            log(f"   kmscube GL_RENDERER: {renderer}")
            check(renderer.startswith("virgl"), f"kmscube renders through virgl (GL_RENDERER '{renderer}')")

            img, t = vm.wait_content(args.timeout, predicate=virgllib.looks_like_cube, interval=0.25)
            s.timing("first cube in screendump", t)
            wait_serial(vm, r"Rendered \d+ frames", args.timeout)

            a = vm.screendump(save_as="kmscube-1.png")
            frames, moves = virgllib.wait_motion(vm, a, args.timeout)
            b = frames[-1]
            b.save_png(f"{s.artifacts}/kmscube-2.png")
            log(f"   motion: {len(frames)} screendumps in a row, each differing from the one before in "
                f"{', '.join(f'{100.0 * c / ar:.0f}%' for c, ar in moves)} of the cube's area")
            log(f"   screen 1: {a.summary()}")
            log(f"   screen 2: {b.summary()}")
            check(not vmlib.is_placeholder(a) and not vmlib.is_placeholder(b), "screens are not QEMU's placeholder")
            conn = [t for t, _ in vm.markers() if t.startswith("connector")]
            check((a.width, a.height) == (b.width, b.height), f"both screens {a.width}x{a.height}")
            sa, sb = virgllib.cube_stats(a), virgllib.cube_stats(b)
            for name, st, im in (("screen 1", sa, a), ("screen 2", sb, b)):
                log(f"   {name}: background {st['bg']}, cube bbox {st['bbox']}, {st['count']} px, "
                    f"{st['saturated']} saturated, hues {st['hues']}, {st['colours']} colours")
                r, g, bl = st["bg"]
                check(max(r, g, bl) - min(r, g, bl) <= 2 and 110 <= r <= 140,
                      f"{name}: background is kmscube's 50% grey ({st['bg']})")
                area = im.width * im.height
                check(st["bbox"] is not None and 0.02 * area <= st["count"] <= 0.7 * area,
                      f"{name}: a cube-sized shape ({st['count']} px of {area})")
                # A cube shows at most three faces at once; kmscube's faces are single hues
                # (lit), so three hues is what a cube seen corner-on gives, more with gradients.
                check(len(st["hues"]) >= 3, f"{name}: the cube's face colours are there ({st['hues']})")
            up, mirrored = virgllib.handedness(a)
            check(up >= 1000 and up >= 20 * mirrored,
                  f"screen 1 is upright, not mirrored: {up} face samples turn the way kmscube's "
                  f"colour cube does, {mirrored} the mirrored way")
            check(len(moves) >= 2 and all(c >= 0.02 * ar for c, ar in moves),
                  f"the cube spins: {len(frames)} screendumps in a row each differ from the one before "
                  f"in >= 2% of the cube's area")
            corners = [(0, 0), (a.width - 64, 0), (0, a.height - 64), (a.width - 64, a.height - 64)]
            stray = {c for x, y in corners for c in a.region_stats(x, y, x + 64, y + 64)}
            check(stray == {sa["bg"]}, f"the screen's corners are plain background ({len(stray)} colours)")
            fps = re.findall(r"Rendered (\d+) frames in ([\d.]+) sec \(([\d.]+) fps\)", vm.serial())
            if fps:
                log(f"   kmscube reports: {', '.join(f[2] for f in fps[-3:])} fps (last {len(fps[-3:])})")
                s.timing(f"kmscube {fps[-1][2]} fps, {fps[-1][0]} frames in", float(fps[-1][1]))
            if conn:
                log(f"   guest connectors: {conn}")

            if tap:
                wire(tap, a, kmscube_started)
            s.timing("test wall", s.wall())
        finally:
            if tap:
                tap.close()


def wire(tap, img, kmscube_started):
    """What the backend told QEMU, seen on the vhost-user sockets (kmscube_started: when the
    guest said it starts kmscube, on the host's monotonic clock)."""
    feat = tap.features_reply()
    acked = tap.set_features()
    log(f"   wire: backend GET_FEATURES reply 0x{feat or 0:016x}, QEMU SET_FEATURES 0x{acked or 0:016x}")
    check(feat is not None and feat >> VIRTIO_GPU_F_VIRGL & 1,
          "wire: the backend offers VIRTIO_GPU_F_VIRGL in its GET_FEATURES reply")
    check(acked is not None and acked >> VIRTIO_GPU_F_VIRGL & 1,
          "wire: QEMU acked VIRTIO_GPU_F_VIRGL in SET_FEATURES (-display none: it offered it to the guest)")
    log(f"   wire: display channel: {virgllib.summarize_channel(tap)}")
    scanouts = tap.events("SCANOUT")
    updates = tap.events("UPDATE")
    dmabuf = tap.events("DMABUF_SCANOUT") + tap.events("DMABUF_SCANOUT2") + tap.events("DMABUF_UPDATE")
    check(scanouts, f"wire: SCANOUT sent ({[e.fields for e in scanouts[-3:]]})")
    full = [e for e in updates if (e.fields.get("width"), e.fields.get("height")) == (img.width, img.height)]
    check(len(updates) > 0, f"wire: {len(updates)} UPDATE messages, {len(full)} of them full-screen "
                            f"{img.width}x{img.height}")
    check(not dmabuf, f"wire: no DMABUF_* message (QEMU has no GL display): {len(dmabuf)}")
    # present.vhost-user sends one UPDATE per flushed rectangle, and kmscube flushes whole
    # frames: from its first frame on, every UPDATE is the whole screen (no bands, no pieces).
    # Before it, fbcon's own full-screen flush and its blinking cursor (8x16 cells) come.
    first = next((i for i, e in enumerate(updates) if e in full and e.t >= kmscube_started), None)
    partial = [e.fields for e in updates[first:] if e not in full] if first is not None else []
    check(len(full) >= 2 and not partial,
          f"wire: one full-screen UPDATE per kmscube frame ({len(full)}), no partial UPDATE after the "
          f"first ({len(partial)}: {partial[:3]})")
    if len(full) >= 2:
        span = full[-1].t - full[0].t
        sizes = sorted(e.fields.get("data_bytes", 0) for e in full)
        log(f"   wire: {len(full)} full-screen UPDATEs in {span:.1f}s = {len(full) / span if span else 0:.1f}/s, "
            f"median payload {sizes[len(sizes) // 2]} bytes; {len(updates) - len(full)} smaller ones "
            f"(the console before kmscube)")


def extra(p):
    virgllib.add_args(p)
    p.add_argument("--tap", action="store_true",
                   help="put vhost_user_tap between QEMU and the backend and check the wire")


if __name__ == "__main__":
    vmlib.main(run, __doc__, extra)
