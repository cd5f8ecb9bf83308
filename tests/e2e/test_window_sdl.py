#!/usr/bin/env python3
"""e2e: a real guest's modetest pattern in vugpu's own window (present.sdl, or present.gtk with
--presenter gtk) on a GPU-less host, next to QEMU's console (present.vhost-user), and closing the
window stops vugpu.

A private Xvfb; vugpu runs with presenters present.vhost-user + present.<presenter> (close = "exit").
Asserts: the window "e2e: scanout 0 (WxH)" appears at the mode modetest set; an X screenshot of
it shows the SMPTE bars (each bar's centre exact, >= 99.9 % of all pixels equal); closing the
window (WM_DELETE_WINDOW) makes vugpu log why and exit 0 (HostServices::request_stop(0): the loop
stops as on SIGTERM).
"""
import os
import time

import smpte
import vmlib
import xwindow
from test_modetest import check_smpte, parse_mode
from vmlib import check, log

CONFIG = """presenters = ["present.vhost-user", "present.{p}"]
[plugin."present.{p}"]
vm_name = "e2e"
close = "exit"
"""


def window_shows_smpte(display, title, w, h):
    win = xwindow.find_window(display, title)
    if not win or not win[5] or (win[3], win[4]) != (w, h):
        return None
    _, x, y, _, _, _ = win
    img = xwindow.grab(display, (x, y, w, h))
    bad, _, _ = smpte.compare(img, w, h)
    return (win, img) if bad <= w * h // 1000 else None


def run(args):
    with vmlib.Session(args, f"window_{args.presenter}") as s:
        if s.is_qemu_backend():
            raise vmlib.Skip(f"present.{args.presenter} is vugpu's: no QEMU reference for this test")
        with xwindow.Xvfb() as x:
            config = os.path.join(s.artifacts, "vugpu-window.toml")
            with open(config, "w") as f:
                f.write(CONFIG.format(p=args.presenter))
            s.backend_argv += ["--config", config]
            s.backend_env["DISPLAY"] = x.display
            backend = s.start_backend()
            vm = s.start_vm("modetest")
            s.boot_timings(vm)
            w, h = parse_mode(vm, args.timeout)
            title = f"e2e: scanout 0 ({w}x{h})"
            t0 = time.monotonic()
            found = None
            while time.monotonic() - t0 < args.timeout and not found:
                found = window_shows_smpte(x.display, title, w, h)
                if not found:
                    check(backend.alive(), "vugpu is running")
                    time.sleep(0.2)
            check(found is not None, f"window '{title}' shows the SMPTE bars within {args.timeout}s")
            win, img = found
            s.timing(f"SMPTE bars in the {args.presenter} window", vm.elapsed())
            img.save_png(os.path.join(s.artifacts, "window.png"))
            log(f"   window {win[0]:#x} at {win[1]},{win[2]}: {img.summary()}")
            check_smpte(img, w, h, f"{args.presenter} window")
            # QEMU's console still gets every frame (the core fans out to both presenters).
            dump = vm.screendump()
            check((dump.width, dump.height) == (w, h), "QEMU's console shows the same mode")

            xwindow.request_close(x.display, win[0])
            rc = backend.wait_exit(20)
            check(rc == 0, f"vugpu exited with 0 after the window was closed (got {rc})")
            with open(backend.log_path) as f:
                text = f.read()
            check('stopping vugpu (close = "exit")' in text, "vugpu logged why it stops")
            check("stopping vugpu (exit status 0)" in text, "vugpu stopped through HostServices::request_stop, status 0")
            for line in text.splitlines():
                if "flush to window" in line:
                    log("   " + line.split("] ", 1)[-1])
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__, lambda p: p.add_argument("--presenter", choices=("sdl", "gtk"), default="sdl"))
