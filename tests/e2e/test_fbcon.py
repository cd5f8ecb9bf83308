#!/usr/bin/env python3
"""e2e: the guest's framebuffer console text reaches the VMM's screen (QMP screendump).

/init clears /dev/tty0 and writes 40 known lines of text. The test knows where every character
is (an 8x16 cell grid, the lines from the top, the cursor after the last one) and compares the
WHOLE screen with that model: every character cell shows the same glyph wherever the same
character is written (learnt from the screen itself: the font is the kernel's, not ours),
different characters show different glyphs, every cell without text and every pixel outside the
grid is background, and no pixel has another colour than fbcon's. So a torn frame (lines
missing), a stale one (the cleared screen, the boot console) or a shifted/partial update fails;
the test polls until the whole screen matches (the time-out only a safety net). Only the
cursor's own cell is left out: fbcon blinks it.
"""
import re

import vmlib
from vmlib import check, log

FG = (0xaa, 0xaa, 0xaa)   # fbcon colour 7 (default foreground) on a 32-bpp truecolor fb
BG = (0, 0, 0)
CELL_W, CELL_H = 8, 16    # the kernel's VGA 8x16 font, which fbcon picks for these modes
# What /init writes to /dev/tty0 after clearing it (make-initramfs, fbcon_text()).
TEXT = "".join(f"VUGPU-E2E {r:02d} {'#' * 64} vugpu\n" for r in range(1, 41))


def expected_grid(cols, rows, text=TEXT):
    """{(row, col): char} of the text on a cols x rows console (autowrap, scroll) and the
    cursor's cell after it."""
    grid, r, c = {}, 0, 0
    for ch in text:
        if ch == "\n":
            r, c = r + 1, 0
        else:
            if c == cols:
                r, c = r + 1, 0
            grid[(r, c)] = ch
            c += 1
        if r == rows:  # scroll up one line
            grid = {(rr - 1, cc): v for (rr, cc), v in grid.items() if rr > 0}
            r -= 1
    return grid, (r, c)


def compare_console(img, w, h):
    """Problems of img against the console model, [] when it matches (whole frame)."""
    if (img.width, img.height) != (w, h):
        return [f"screen is {img.width}x{img.height}, the mode is {w}x{h}"]
    cols, rows = w // CELL_W, h // CELL_H
    grid, cursor = expected_grid(cols, rows)
    fg, bg = bytes(FG), bytes(BG)
    blank = bg * CELL_W
    stride = w * 3
    problems, glyphs = [], {}

    def cell(r, c):
        x0, y0 = c * CELL_W * 3, r * CELL_H
        return b"".join(img.rgb[(y0 + y) * stride + x0:(y0 + y) * stride + x0 + CELL_W * 3]
                        for y in range(CELL_H))
    for r in range(rows):
        for c in range(cols):
            if (r, c) == cursor:
                continue
            pixels = cell(r, c)
            ch = grid.get((r, c), " ")
            if ch == " ":
                if pixels != blank * CELL_H:
                    problems.append(f"cell row {r} col {c} should be empty")
                continue
            known = glyphs.setdefault(ch, pixels)
            if pixels != known:
                problems.append(f"cell row {r} col {c}: '{ch}' differs from the same character "
                                f"elsewhere")
        if len(problems) > 20:
            break
    for ch, pixels in glyphs.items():
        colours = {pixels[i:i + 3] for i in range(0, len(pixels), 3)}
        if not colours <= {fg, bg} or fg not in colours:
            problems.append(f"glyph '{ch}' has colours {sorted(colours)}: not fbcon's text on black")
    by_pixels = {}
    for ch, pixels in glyphs.items():
        by_pixels.setdefault(pixels, []).append(ch)
    problems += [f"characters {''.join(chs)!r} look the same" for chs in by_pixels.values() if len(chs) > 1]
    # Outside the grid (a mode that is no multiple of the cell): background only.
    for y in range(h):
        row = img.rgb[y * stride:(y + 1) * stride]
        edge = row[cols * CELL_W * 3:] if y < rows * CELL_H else row
        if edge != bg * (len(edge) // 3):
            problems.append(f"line {y} has pixels outside the text grid")
            break
    return problems


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

        last = []

        def whole_console(img):
            last[:] = [img, compare_console(img, w, h)]
            return not last[1]
        try:
            img, t = vm.wait_content(args.timeout, predicate=whole_console)
        except vmlib.TestFailure:
            if last:
                last[0].save_png(f"{s.artifacts}/fbcon-last.png")
                check(False, f"the whole screen shows /init's text ({len(last[1])} problems in the "
                             f"last screendump, saved fbcon-last.png: {last[1][:6]})")
            raise
        s.timing("the whole console text in a screendump", t)
        img.save_png(f"{s.artifacts}/fbcon.png")
        log(f"   screen: {img.summary()}  -> {s.artifacts}/fbcon.png")
        check(not vmlib.is_placeholder(img), "screen is not QEMU's placeholder")
        check((img.width, img.height) == (w, h), f"screendump size {img.width}x{img.height} == guest mode {w}x{h}")
        cols, rows = w // CELL_W, h // CELL_H
        check(True, f"every pixel as the model says: {cols}x{rows} cells, 40 lines of text in "
                    f"{len(set(TEXT) - {chr(10), ' '})} distinct glyphs at their places, the rest black")
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__)
