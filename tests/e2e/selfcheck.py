#!/usr/bin/env python3
"""Self-check of the e2e harness, no VM (runs in about a second): the SMPTE model against
libdrm's layout rules and test_modetest's exact verdict, test_fbcon's console model (a screen
drawn from it passes, torn/shifted/one-pixel-off/blank ones fail), PPM parsing, the PNG writer,
placeholder detection, the display-channel decoder of vhost_user_tap, and /proc stats.
Exit 0 pass, 1 fail."""
import os
import struct
import sys
import tempfile
import zlib

import smpte
import test_fbcon
import test_modetest
import vhost_user_tap
import vmlib

failures = []


def expect(cond, what):
    print(("  ok: " if cond else "  FAILED: ") + what)
    if not cond:
        failures.append(what)


def synth(w, h, view=None):
    ox, oy, vw, vh = view or (0, 0, w, h)
    return vmlib.Image(vw, vh, b"".join(bytes(smpte.colour(ox + x, oy + y, w, h))
                                        for y in range(vh) for x in range(vw)))


def main():
    # SMPTE model: bands, bar edges and the PLUGE right edge rounding case
    w, h = 1280, 800
    expect(smpte.colour(0, 0, w, h) == smpte.GREY, "top-left is grey")
    expect(smpte.colour(w - 1, 0, w, h) == smpte.BLUE, "top-right is blue")
    expect(smpte.colour((w + 6) // 7 - 1, 0, w, h) == smpte.GREY
           and smpte.colour((w + 6) // 7, 0, w, h) == smpte.YELLOW,
           "second bar starts at x=ceil(W/7) (x*7/W integer division)")
    expect(smpte.colour(0, h * 6 // 9, w, h) == smpte.BLUE, "middle band starts at y=H*6/9")
    expect(smpte.colour(0, h - 1, w, h) == smpte.IN_PHASE, "bottom-left is -I")
    for ww in (1024, 1280, 1366, 2304, 1920):  # no IndexError anywhere in the bottom band
        [smpte.colour(x, h - 1, ww, h) for x in range(ww)]
    expect(True, "pattern defined for every pixel of several widths")
    w, h = 320, 200
    img = synth(w, h)
    bad, total, _ = smpte.compare(img)
    expect(bad == 0 and total == w * h, "compare: synthetic pattern matches itself")
    rgb = bytearray(img.rgb)
    rgb[0:3] = b"\x00\x00\x00"
    bad, _, firsts = smpte.compare(vmlib.Image(w, h, rgb))
    expect(bad == 1 and firsts[0][:2] == (0, 0), "compare: one wrong pixel is found")
    swapped = vmlib.Image(w, h, b"".join(bytes((img.rgb[i + 2], img.rgb[i + 1], img.rgb[i]))
                                         for i in range(0, len(img.rgb), 3)))
    bad, _, _ = smpte.compare(swapped)
    expect(bad > total // 4, "compare: R/B swap is caught")
    view = (320, 0, 256, 192)
    sub = synth(576, 200, view)
    bad, _, _ = smpte.compare(sub, 576, 200, view)
    expect(bad == 0, "compare: offset view of a wider pattern")
    pts = smpte.sample_points(576, 200, view)
    expect(all(sub.pixel(x, y) == c for _, x, y, c in pts) and len(pts) > 5,
           f"sample points of an offset view ({len(pts)})")

    # test_modetest's verdict: one wrong pixel in 64000 fails it (it tolerated 1 in 1000)
    try:
        test_modetest.check_smpte(vmlib.Image(w, h, rgb), w, h, "one pixel off")
        expect(False, "check_smpte: one wrong pixel fails the test")
    except vmlib.TestFailure:
        expect(True, "check_smpte: one wrong pixel fails the test")

    # test_fbcon's console model: a screen drawn from the model passes; torn, shifted, one pixel
    # off, blank (the cleared console) fail
    cw, ch = 640, 704  # 80 x 44 cells: the 83-character lines wrap, as on a small mode
    grid, cursor = test_fbcon.expected_grid(cw // 8, ch // 16)
    con = bytearray(cw * ch * 3)
    for (r, c), letter in grid.items():
        if letter == " ":
            continue
        bits = zlib.crc32(letter.encode())
        for y in range(16):
            for x in range(8):
                if (bits >> ((x + 3 * y) % 32)) & 1:
                    i = ((r * 16 + y) * cw + c * 8 + x) * 3
                    con[i:i + 3] = bytes(test_fbcon.FG)
    expect(test_fbcon.compare_console(vmlib.Image(cw, ch, con), cw, ch) == [],
           "fbcon model: a screen drawn from it matches")
    torn = bytearray(con)
    torn[cw * 3 * 400:] = bytes(len(torn) - cw * 3 * 400)
    shifted = con[cw * 3 * 16:] + bytes(cw * 3 * 16)
    one = bytearray(con)
    one[(30 * cw + 3) * 3] ^= 0xaa
    for name, pixels in (("torn (lower half missing)", torn), ("one text line up", shifted),
                         ("one pixel off", one), ("blank", bytes(len(con)))):
        expect(test_fbcon.compare_console(vmlib.Image(cw, ch, bytes(pixels)), cw, ch) != [],
               f"fbcon model: {name} fails")

    with tempfile.TemporaryDirectory() as d:
        # PPM parser (with a comment) and PNG writer
        ppm = os.path.join(d, "a.ppm")
        with open(ppm, "wb") as f:
            f.write(b"P6\n# c\n3 2\n255\n" + bytes(range(18)))
        im = vmlib.Image.from_ppm(ppm)
        expect((im.width, im.height, im.pixel(2, 1)) == (3, 2, (15, 16, 17)), "PPM parse")
        png = im.save_png(os.path.join(d, "a.png"))
        data = open(png, "rb").read()
        expect(data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature")
        ln = struct.unpack(">I", data[8 + 8 + 13 + 4:8 + 8 + 13 + 8])[0]
        idat = data[8 + 25 + 8:8 + 25 + 8 + ln]
        expect(zlib.decompress(idat) == b"\0" + bytes(range(9)) + b"\0" + bytes(range(9, 18)),
               "PNG IDAT rows")

    # placeholder heuristics
    expect(vmlib.is_placeholder(vmlib.Image(640, 480, b"\x10\x10\x10" * 640 * 480)),
           "uniform 640x480 is the placeholder")
    expect(not vmlib.is_placeholder(synth(640, 480)), "a 640x480 pattern is content")

    # display channel decoding
    upd = struct.pack("<5I", 0, 10, 20, 0, 0) + b"\x77" * 64 * 64 * 4
    f, data = vhost_user_tap.decode_gpu(6, 0, upd)
    expect(f == {"scanout": 0, "x": 10, "y": 20, "hot_x": 0, "hot_y": 0} and len(data) == 16384,
           "CURSOR_UPDATE decode")
    f, _ = vhost_user_tap.decode_gpu(8, 0, struct.pack("<5I", 1, 2, 3, 4, 5) + b"\0" * 80)
    expect(f["data_bytes"] == 80 and f["scanout"] == 1, "UPDATE decode")

    st = vmlib.proc_stats(os.getpid())
    expect(st["fds"] > 0 and st["rss_kb"] > 0, f"proc_stats of self: {vmlib.format_stats(st)}")

    print("PASS selfcheck" if not failures else f"FAIL selfcheck: {failures}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
