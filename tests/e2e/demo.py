#!/usr/bin/env python3
"""Boots a real Linux guest on a vhost-user GPU backend and saves what QEMU shows as PNG
(the engine of scripts/demo; uses the e2e harness). Prints the PNG path(s) last."""
import argparse
import os
import sys
import time

import smpte
import vmlib
from vmlib import log

SCENARIOS = ("modetest", "fbcon", "dual", "dual-shared", "cursor", "draw-loop")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    vmlib.add_common_args(p)
    p.add_argument("--scenario", choices=SCENARIOS, default="modetest")
    p.add_argument("--window", action="store_true",
                   help="show the guest in vugpu's own SDL window (present.sdl, beside QEMU's "
                        "console; needs $DISPLAY, no GPU) and keep running until it is closed; "
                        "with --backend qemu: QEMU's GTK window (-display gtk,gl=on, needs a GPU)")
    p.add_argument("--out", default=os.path.join(vmlib.REPO, "build", "demo"),
                   help="folder for the PNG(s) (default build/demo)")
    args = p.parse_args()
    if args.window and not os.environ.get("DISPLAY"):
        sys.exit("demo: --window needs $DISPLAY (an X server); run without --window to just save PNGs")
    os.makedirs(args.out, exist_ok=True)
    if args.artifacts is None:
        args.artifacts = os.path.join(args.out, "logs")

    try:
        with vmlib.Session(args, "demo") as s:
            who = "qemu" if s.is_qemu_backend() else os.path.basename(s.backend_argv[0])
            own_window = args.window and not s.is_qemu_backend()
            if own_window:  # vugpu's window: QEMU keeps no display, vugpu shows the guest itself
                config = os.path.join(args.out, "vugpu-window.toml")
                with open(config, "w") as f:
                    f.write('presenters = ["present.vhost-user", "present.sdl"]\n'
                            '[plugin."present.sdl"]\nvm_name = "vugpu demo"\nclose = "exit"\n')
                s.backend_argv += ["--config", config]
            backend = s.start_backend()
            dual = args.scenario.startswith("dual")
            try:
                vm = s.start_vm(args.scenario, max_outputs=2 if dual else None,
                                append=["video=Virtual-2:1024x768e"] if dual else [],
                                display="gtk,gl=on" if args.window and not own_window else None)
                time.sleep(1.0)
                vm._check_alive()
            except vmlib.TestFailure as e:
                if "DMABUF" in str(e):
                    raise vmlib.TestFailure(
                        f"{e}\n  QEMU 10 accepts only displays with DMABUF support on a "
                        "vhost-user-gpu console: GTK with gl=on and EGL dma-buf import (a GPU "
                        "render node). Run without --window to save PNGs instead.")
                raise
            s.boot_timings(vm)
            paths = []
            def pattern_done(img):  # modetest's SMPTE bars complete (not a half-sent frame)
                return all(img.pixel(x, y) == c
                           for _, x, y, c in smpte.sample_points(img.width, img.height))
            wants_smpte = args.scenario in ("modetest", "cursor", "dual", "draw-loop")
            for head in ((0, 1) if dual else (0,)):
                img, t = vm.wait_content(args.timeout, head=head if dual else None,
                                         predicate=pattern_done if wants_smpte else None)
                s.timing(f"head {head} first pixels", t)
                if not wants_smpte:
                    time.sleep(1.0)  # let the console finish drawing
                    img = vm.screendump(head=head if dual else None)
                name = f"vugpu-demo-{args.scenario}-{who}" + (f"-head{head}" if dual else "") + ".png"
                path = os.path.abspath(os.path.join(args.out, name))
                img.save_png(path)
                log(f"   head {head}: {img.summary()}")
                paths.append(path)
            if args.window:
                log("   window open; close it (or Ctrl-C) to stop")
                while vm.alive() and backend.alive():  # vugpu exits when its window is closed
                    time.sleep(0.5)
            for path in paths:
                print(path, flush=True)
    except vmlib.Skip as e:
        sys.exit(f"demo: cannot run here: {e}")
    except vmlib.TestFailure as e:
        sys.exit(f"demo failed: {e}")
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
