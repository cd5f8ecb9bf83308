#!/usr/bin/env python3
"""e2e: modetest's default pattern (SMPTE colour bars) reaches the VMM's screen pixel-exact.

Asserts: not the placeholder; screendump size == the mode modetest set; each bar's centre has the
colour libdrm's pattern.c draws (catches channel swaps and offsets); and every pixel equals the
pattern (catches stale/partial transfers, stride errors). The test waits for that state (the
first screendumps may show the console or a frame being transferred), the time-out only a
safety net.
"""
import re

import smpte
import vmlib
from vmlib import check, log


def check_smpte(img, w, h, label, view=None):
    """img shows the part view = (ox, oy, vw, vh) of a w x h SMPTE pattern (default: all),
    every pixel of it."""
    for name, x, y, want in smpte.sample_points(w, h, view):
        got = img.pixel(x, y)
        check(got == want, f"{label}: {name} bar at ({x},{y}) is {got} == {want}")
    bad, total, firsts = smpte.compare(img, w, h, view)
    check(bad == 0, f"{label}: {total - bad}/{total} pixels equal the SMPTE pattern (all of them)"
                    + ("" if bad == 0 else f"; first mismatches {firsts}"))


def shows_smpte(img, w, h, size, view=None):
    """True when img has `size` and every pixel equals the view of the w x h pattern."""
    return (img.width, img.height) == size and smpte.compare(img, w, h, view)[0] == 0


def wait_smpte(vm, timeout, w, h, head=None, view=None, size=None):
    """Waits until the head shows the view of the w x h pattern exactly (size: the head's mode,
    default the view's or w x h); returns (img, host time). On time-out, fails with the last
    screen and its first mismatching pixels."""
    size = size or ((view[2], view[3]) if view else (w, h))
    last = []

    def exact(img):
        last[:] = [img]
        return shows_smpte(img, w, h, size, view)
    try:
        return vm.wait_content(timeout, head=head, predicate=exact, interval=0.25)
    except vmlib.TestFailure:
        if last and (last[0].width, last[0].height) == size:
            check_smpte(last[0], w, h, f"head {head or 0} (last screen)", view)
        raise


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
        img, t = wait_smpte(vm, args.timeout, w, h)
        s.timing("the whole pattern on screen", t)
        img.save_png(f"{s.artifacts}/modetest.png")
        log(f"   screen: {img.summary()}  -> {s.artifacts}/modetest.png")
        check(not vmlib.is_placeholder(img), "screen is not QEMU's placeholder")
        check((img.width, img.height) == (w, h), f"screendump size {img.width}x{img.height} == mode {w}x{h}")
        check_smpte(img, w, h, "head 0")
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__)
