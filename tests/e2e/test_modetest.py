#!/usr/bin/env python3
"""e2e: modetest's default pattern (SMPTE colour bars) reaches the VMM's screen pixel-exact.

Asserts: not the placeholder; screendump size == the mode modetest set; each bar's centre has the
colour libdrm's pattern.c draws (catches channel swaps and offsets); and >= 99.9 % of all pixels
equal the pattern (catches stale/partial transfers, stride errors).
"""
import re

import smpte
import vmlib
from vmlib import check, log


def check_smpte(img, w, h, label, view=None):
    """img shows the part view = (ox, oy, vw, vh) of a w x h SMPTE pattern (default: all)."""
    for name, x, y, want in smpte.sample_points(w, h, view):
        got = img.pixel(x, y)
        check(got == want, f"{label}: {name} bar at ({x},{y}) is {got} == {want}")
    bad, total, firsts = smpte.compare(img, w, h, view)
    ok = bad <= total // 1000
    check(ok, f"{label}: {total - bad}/{total} pixels ({100.0 * (total - bad) / total:.3f}%) equal "
              f"the SMPTE pattern (>= 99.9%)" + ("" if ok else f"; first mismatches {firsts}"))


def parse_mode_text(text, nth=0, what=None):
    modes = [(int(a), int(b)) for a, b in re.findall(r"-s \d+:(\d+)x(\d+)", text)]
    check(len(modes) > nth, f"guest started modetest with a mode for {what or f'pipe {nth}'} ({text})")
    return modes[nth]


def parse_mode(vm, timeout, nth=0):
    """The mode modetest set on its nth pipe, from the guest's first
    'modetest started: -s ID:WxH ...' marker."""
    text, _, _ = vm.wait_marker("modetest started", timeout)
    return parse_mode_text(text, nth)


def run(args):
    with vmlib.Session(args, "modetest") as s:
        s.start_backend()
        vm = s.start_vm("modetest")
        s.boot_timings(vm)
        img, t = vm.wait_content(args.timeout, interval=0.1, allow_uniform=True)
        s.timing(f"first guest scanout in screendump ({img.width}x{img.height}, fbcon)", t)
        w, h = parse_mode(vm, args.timeout)
        _, gt, host = vm.wait_marker("modetest started", args.timeout)
        s.timing("modetest started", host, gt)
        img, t = vm.wait_content(args.timeout, predicate=lambda i: (i.width, i.height) == (w, h)
                                 and i.pixel(w // 14, h // 3) == smpte.GREY)
        s.timing("first pixels of the pattern", t)
        # the screen may still be mid-transfer right at the first sighting: take a fresh one
        img = vm.screendump(save_as="modetest.png")
        log(f"   screen: {img.summary()}  -> {s.artifacts}/modetest.png")
        check(not vmlib.is_placeholder(img), "screen is not QEMU's placeholder")
        check((img.width, img.height) == (w, h), f"screendump size {img.width}x{img.height} == mode {w}x{h}")
        check_smpte(img, w, h, "head 0")
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__)
