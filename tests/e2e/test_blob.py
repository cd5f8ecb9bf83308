#!/usr/bin/env python3
"""e2e: a real Linux guest on blob dumb buffers (VIRTIO_GPU_F_RESOURCE_BLOB) with vugpu's
blob.guest: RESOURCE_CREATE_BLOB + SET_SCANOUT_BLOB, shown without a device copy.

Stock QEMU never offers RESOURCE_BLOB through vhost-user-gpu, so this test runs the QEMU of
scripts/build-qemu-blob (patches/qemu: its vhost-user-gpu passes the backend's bit on). Linux
(>= 5.14) then makes every dumb buffer, fbcon's included, a GUEST blob.

  --scenario modetest  modetest's SMPTE bars, pixel-checked exactly like test_modetest.py
  --scenario fbcon     fbcon text, checked like test_fbcon.py
  --scenario cursor    modetest -C: test_cursor.py's checks (through vhost_user_tap: the 64x64
                       cursor, itself a blob whose fenced transfer the guest waits on without a
                       timeout, reaches QEMU intact; it moves; the screen stays exact), then the
                       daemon's counters as it exits (RESOURCE_BLOB is then proven by them)
  --blob on   (default) the daemon with blob = "blob.guest". Asserts: QEMU offered and the guest
              acked VIRTIO_GPU_F_RESOURCE_BLOB (QMP x-query-virtio-status); the screen; the
              daemon's counters (--stats-file on SIGUSR1): RESOURCE_CREATE_BLOB and
              SET_SCANOUT_BLOB received, every presented frame a blob frame, and 0 pixel bytes
              copied by the device (device_bytes_copied).
  --blob off  the control: the same patched QEMU and the daemon without a blob provider. Asserts
              QEMU did NOT offer RESOURCE_BLOB (the patch follows the backend), the screen is
              exact, no blob was created, and the device copied > 0 bytes (TRANSFER_TO_HOST_2D): the
              copy counter the blob run reads as 0 does count.

The backend must be vugpu's daemon (--backend PATH/vugpu); the test adds --config and
--stats-file. Default --qemu-dir: scripts/build-qemu-blob's output (it builds QEMU when it is
not built yet: ~12 minutes on this 2-core machine; scripts/setup does it once).
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import smpte
import test_cursor
import test_fbcon
import test_modetest
import vmlib
from vmlib import TestFailure, check, log

BLOB_FEATURE = "VIRTIO_GPU_F_RESOURCE_BLOB"

CONFIG = """# written by tests/e2e/test_blob.py
renderer = "renderer.pixman"
presenters = ["present.vhost-user"]
blob = "{blob}"
"""


def blob_qemu_dir():
    """The patched QEMU's folder (scripts/build-qemu-blob; free once built)."""
    script = os.path.join(vmlib.REPO, "scripts", "build-qemu-blob")
    log(f"   {script} (builds QEMU if it is not built yet)")
    r = subprocess.run([script], stdout=subprocess.PIPE, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        raise TestFailure(f"scripts/build-qemu-blob failed (exit {r.returncode}): the patched QEMU "
                          "this test needs is missing")
    return r.stdout.strip().splitlines()[-1]


def virtio_gpu_features(vm):
    """(host features QEMU offers, features the guest acked) of the GPU, as QEMU's names."""
    devices = vm.qmp.execute("x-query-virtio")
    paths = [d["path"] for d in devices if d.get("name") == "virtio-gpu"]
    check(len(paths) == 1, f"QMP x-query-virtio lists one virtio-gpu ({devices})")
    st = vm.qmp.execute("x-query-virtio-status", path=paths[0])

    def names(features):
        return [f.split(":")[0] for f in features.get("dev-features", [])]
    return names(st["host-features"]), names(st["guest-features"])


def daemon_counters(backend, path, timeout):
    """The daemon's counters now: SIGUSR1 makes it write --stats-file (atomically)."""
    if os.path.exists(path):
        os.unlink(path)
    os.kill(backend.pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if not backend.alive():
            raise TestFailure(f"the daemon exited ({backend.proc.returncode}) before writing {path}")
        if time.monotonic() > deadline:
            raise TestFailure(f"the daemon wrote no {path} within {timeout}s of SIGUSR1")
        time.sleep(0.05)
    with open(path) as f:
        return json.load(f)


def check_fbcon_text(vm, s, timeout):
    """fbcon's text on screen, as test_fbcon.py checks it."""
    text, _, _ = vm.wait_marker("connector", timeout)
    w, h = map(int, text.split("connected ", 1)[1].split()[0].split("x"))
    _, gt, host = vm.wait_marker("fbcon text written", timeout)
    s.timing("fbcon text written", host, gt)
    fg_colour, bg_colour = test_fbcon.FG, test_fbcon.BG
    img, t = vm.wait_content(timeout, predicate=lambda i: i.count_near(fg_colour) > 20000)
    s.timing("text visible in screendump", t)
    img.save_png(f"{s.artifacts}/fbcon.png")
    log(f"   screen: {img.summary()}  -> {s.artifacts}/fbcon.png")
    check(not vmlib.is_placeholder(img), "screen is not QEMU's placeholder")
    check((img.width, img.height) == (w, h), f"screendump size {img.width}x{img.height} == guest mode {w}x{h}")
    hist = img.histogram()
    fg, bg, total = hist[fg_colour], hist[bg_colour], img.width * img.height
    check(fg > 20000, f"{fg} text pixels of #aaaaaa (> 20000)")
    check(bg > total * 0.5, f"background mostly black ({100.0 * bg / total:.1f}% #000000)")
    check(fg + bg > total * 0.97, f"fbcon colours only: {100.0 * (fg + bg) / total:.2f}% are #aaaaaa or #000000")
    top = img.region_stats(0, 0, w, min(h, 16 * 40))[fg_colour]
    check(top > 0.95 * fg, f"text sits in the rows /init wrote ({top} of {fg} text pixels in the top 640 lines)")


def check_modetest_pattern(vm, s, timeout):
    """modetest's SMPTE bars on screen, exactly as test_modetest.py checks them."""
    w, h = test_modetest.parse_mode(vm, timeout)
    _, gt, host = vm.wait_marker("modetest started", timeout)
    s.timing("modetest started", host, gt)
    img, t = vm.wait_content(timeout, predicate=lambda i: (i.width, i.height) == (w, h)
                             and i.pixel(w // 14, h // 3) == smpte.GREY)
    s.timing("first pixels of the pattern", t)
    img = vm.screendump(save_as="modetest.png")   # the first sighting may be mid-update
    log(f"   screen: {img.summary()}  -> {s.artifacts}/modetest.png")
    check(not vmlib.is_placeholder(img), "screen is not QEMU's placeholder")
    check((img.width, img.height) == (w, h), f"screendump size {img.width}x{img.height} == mode {w}x{h}")
    test_modetest.check_smpte(img, w, h, "head 0")


def check_blob_counters(stats, blob, min_blobs=1):
    """The daemon's own count of what the guest sent and what the device copied.
    device_bytes_copied: pixel bytes the device copied (TRANSFER_TO_HOST_2D into a host image,
    gather copies); presenter_bytes_copied (present.vhost-user writing UPDATEs into QEMU's
    socket) is the presenter's one copy in both modes and not the device's."""
    log(f"   daemon counters: {json.dumps(stats, sort_keys=True)}")
    frames, device_copied = stats.get("frames_presented", 0), stats.get("device_bytes_copied")
    check(frames > 0, f"the daemon presented frames ({frames})")
    if blob:
        # The guest's own commands, counted by the device: Linux really used blobs.
        created = stats.get("blob_resources_created", 0)
        check(created >= min_blobs, f"the guest sent RESOURCE_CREATE_BLOB for {created} buffers "
                                    f"(blob_resources_created >= {min_blobs})")
        check(stats.get("blob_scanouts_set", 0) > 0,
              f"the guest sent SET_SCANOUT_BLOB (blob_scanouts_set = {stats.get('blob_scanouts_set')})")
        check(stats.get("blob_frames_presented") == frames,
              f"every frame presented was a blob frame (blob_frames_presented = "
              f"{stats.get('blob_frames_presented')} of {frames})")
        check(device_copied == 0,
              f"the device copied 0 pixel bytes for them (device_bytes_copied = {device_copied})")
    else:
        check(stats.get("blob_resources_created") == 0,
              f"no blob resources without blob.guest (blob_resources_created = {stats.get('blob_resources_created')})")
        check(device_copied is not None and device_copied > 0,
              f"without blobs the device copies the guest's pixels (device_bytes_copied = {device_copied} > 0)")


def write_config(folder, blob):
    path = os.path.join(folder, "vugpu.toml")
    with open(path, "w") as f:
        f.write(CONFIG.format(blob="blob.guest" if blob else ""))
    return path


def run_cursor(args, blob):
    """test_cursor.py's run with this test's daemon configuration; the daemon writes its
    counters when the session stops it."""
    folder = tempfile.mkdtemp(prefix="vugpu-e2e-blob-cursor-")
    try:
        stats_path = os.path.join(folder, "stats.json")
        args.backend += (f" --config {shlex.quote(write_config(folder, blob))}"
                         f" --stats-file {shlex.quote(stats_path)}")
        test_cursor.run(args)
        check(os.path.exists(stats_path), "the daemon wrote its counters when it was stopped")
        with open(stats_path) as f:
            # fbcon's framebuffer, modetest's and the cursor: three blobs
            check_blob_counters(json.load(f), blob, min_blobs=3 if blob else 1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args):
    blob = args.blob == "on"
    if args.backend.strip() == "qemu":
        raise TestFailure("test_blob.py needs vugpu's daemon as --backend (QEMU's own "
                          "vhost-user-gpu has no blob resources)")
    if not args.qemu_dir:
        args.qemu_dir = blob_qemu_dir()
    if args.scenario == "cursor":
        return run_cursor(args, blob)
    with vmlib.Session(args, f"blob-{args.scenario}-{args.blob}") as s:
        config = write_config(s.tmp, blob)
        stats_path = os.path.join(s.tmp, "stats.json")
        s.backend_argv += ["--config", config, "--stats-file", stats_path]
        backend = s.start_backend()
        vm = s.start_vm(args.scenario)
        s.boot_timings(vm)

        offered, acked = virtio_gpu_features(vm)
        log(f"   virtio-gpu features offered by QEMU: {offered}; acked by the guest: {acked}")
        if blob:
            check(BLOB_FEATURE in offered, f"the patched QEMU offers {BLOB_FEATURE} (the backend does)")
            check(BLOB_FEATURE in acked, f"the guest acked {BLOB_FEATURE}: its dumb buffers are blobs")
        else:
            check(BLOB_FEATURE not in offered,
                  f"QEMU does not offer {BLOB_FEATURE} when the backend does not")

        if args.scenario == "modetest":
            check_modetest_pattern(vm, s, args.timeout)
        else:
            check_fbcon_text(vm, s, args.timeout)
        check_blob_counters(daemon_counters(backend, stats_path, args.timeout), blob)
        s.timing("test wall", s.wall())


def extra_args(p):
    p.add_argument("--scenario", choices=("modetest", "fbcon", "cursor"), default="modetest",
                   help="what the guest shows (default modetest)")
    p.add_argument("--blob", choices=("on", "off"), default="on",
                   help="on: the daemon with blob.guest (default); off: the control without it")


if __name__ == "__main__":
    vmlib.main(run, __doc__, extra_args)
