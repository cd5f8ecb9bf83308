#!/usr/bin/env python3
"""e2e: the guest's framebuffer console text reaches the VMM's screen (QMP screendump).

Asserts: the screen is not QEMU's placeholder, has the guest's mode size, and shows a block of
fbcon text: many pixels of fbcon's light grey (#aaaaaa) on a mostly black background, laid out
in text rows where /init wrote them.
"""
import re
import sys

import vmlib
from vmlib import check, log

FG = (0xaa, 0xaa, 0xaa)   # fbcon colour 7 (default foreground) on a 32-bpp truecolor fb
BG = (0, 0, 0)


def run(args):
    with vmlib.Session(args, "fbcon") as s:
        s.start_backend()
        vm = s.start_vm("fbcon")
        s.boot_timings(vm)
        text, _, _ = vm.wait_marker("connector", args.timeout)
        m = re.search(r"connected (\d+)x(\d+)", text)
        check(m is not None, f"guest reports a connected connector with a mode ({text})")
        w, h = int(m.group(1)), int(m.group(2))
        _, gt, host = vm.wait_marker("fbcon text written", args.timeout)
        s.timing("fbcon text written", host, gt)

        def has_text(img):
            return img.count_near(FG) > 20000

        img, t = vm.wait_content(args.timeout, predicate=has_text)
        s.timing("text visible in screendump", t)
        img.save_png(f"{s.artifacts}/fbcon.png")
        log(f"   screen: {img.summary()}  -> {s.artifacts}/fbcon.png")
        check(not vmlib.is_placeholder(img), "screen is not QEMU's placeholder")
        check((img.width, img.height) == (w, h), f"screendump size {img.width}x{img.height} == guest mode {w}x{h}")
        hist = img.histogram()
        fg, bg, total = hist[FG], hist[BG], img.width * img.height
        check(fg > 20000, f"{fg} text pixels of #aaaaaa (> 20000)")
        check(bg > total * 0.5, f"background mostly black ({100.0 * bg / total:.1f}% #000000)")
        check(fg + bg > total * 0.97, f"fbcon colours only: {100.0 * (fg + bg) / total:.2f}% are #aaaaaa or #000000")
        # /init writes 40 rows of text from the top: the top rows carry text, the bottom few don't.
        top = img.region_stats(0, 0, w, min(h, 16 * 40))[FG]
        bottom = img.region_stats(0, min(h, 16 * 42), w, h)[FG] if h > 16 * 42 else 0
        check(top > 0.95 * fg, f"text sits in the rows /init wrote ({top} of {fg} text pixels in the top 640 lines, {bottom} below)")
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__)
