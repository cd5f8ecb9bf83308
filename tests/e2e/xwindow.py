"""X11 helpers for the window e2e tests and the demo (standard library only): a private Xvfb,
screen grabs (xwd, decoded here), finding a window by title (xwininfo), and closing it as a
window manager does (WM_DELETE_WINDOW through libX11 via ctypes)."""
import ctypes
import ctypes.util
import os
import re
import select
import subprocess

import vmlib


class Xvfb:
    """Xvfb on a display number it picks itself (-displayfd); stopped by stop()/with-exit."""

    def __init__(self, width=1600, height=1200):
        r, w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                ["Xvfb", "-displayfd", str(w), "-screen", "0", f"{width}x{height}x24",
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            os.close(r)
            os.close(w)
            raise vmlib.TestFailure("Xvfb is not installed (package xvfb; scripts/setup installs it)")
        os.close(w)
        number = b""
        while select.select([r], [], [], 20)[0]:
            c = os.read(r, 1)
            if not c or c == b"\n":
                break
            number += c
        os.close(r)
        if not number:
            self.stop()
            raise vmlib.TestFailure("Xvfb did not start")
        self.display = ":" + number.decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def grab(display, box=None):
    """The screen (or box = (x, y, w, h) of it) as a vmlib.Image (xwd -root; 24 or 32 bits per
    pixel, TrueColor with 8-bit red/green/blue masks)."""
    data = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                          check=True, capture_output=True).stdout
    be = lambda i: int.from_bytes(data[4 * i:4 * i + 4], "big")
    header, sw, sh, order, bpp, bpl = be(0), be(4), be(5), be(7), be(11), be(12)
    masks, ncolors = (be(14), be(15), be(16)), be(19)
    if bpp not in (24, 32) or masks != (0xFF0000, 0xFF00, 0xFF):
        raise vmlib.TestFailure(f"xwd: {bpp} bits per pixel, masks {masks}: not handled")
    x0, y0, w, h = box or (0, 0, sw, sh)
    off, n = header + 12 * ncolors, bpp // 8
    # little-endian pixels lie in memory as B, G, R[, X]; big-endian as [X,] R, G, B
    r_at, g_at, b_at = (2, 1, 0) if order == 0 else (n - 3, n - 2, n - 1)
    rgb = bytearray(w * h * 3)
    for y in range(h):
        start = off + (y0 + y) * bpl + x0 * n
        row = data[start:start + w * n]
        out = memoryview(rgb)[y * w * 3:(y + 1) * w * 3]
        out[0::3], out[1::3], out[2::3] = row[r_at::n], row[g_at::n], row[b_at::n]
    return vmlib.Image(w, h, bytes(rgb))


def find_window(display, title):
    """(window id, x, y, width, height, viewable) of the window named `title`, or None."""
    r = subprocess.run(["xwininfo", "-display", display, "-name", title], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    num = lambda key: int(re.search(rf"{key}:\s+(-?\d+)", r.stdout).group(1))
    wid = int(re.search(r"Window id: (0x[0-9a-f]+)", r.stdout).group(1), 16)
    return (wid, num("Absolute upper-left X"), num("Absolute upper-left Y"), num("Width"),
            num("Height"), "IsViewable" in r.stdout)


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("l", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def request_close(display, window):
    """Sends WM_DELETE_WINDOW to `window`, as a window manager's close button does."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.POINTER(_XEvent)]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    d = x11.XOpenDisplay(display.encode())
    if not d:
        raise vmlib.TestFailure(f"cannot open X display {display}")
    e = _XEvent()
    e.xclient.type = 33  # ClientMessage
    e.xclient.window = window
    e.xclient.message_type = x11.XInternAtom(d, b"WM_PROTOCOLS", 0)
    e.xclient.format = 32
    e.xclient.l[0] = x11.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    x11.XSendEvent(d, window, 0, 0, ctypes.byref(e))
    x11.XFlush(d)
    x11.XCloseDisplay(d)
