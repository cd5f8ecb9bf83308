#!/usr/bin/env python3
"""ctest fixture of the virgl e2e tests: fetches QEMU 10 (scripts/fetch-qemu) and builds the
virgl guest (make-initramfs-virgl: tests/e2e's initramfs + Mesa, ~95 MB) once.

    prepare.py GUEST_DIR

Exit 0 when ready, 77 (skip) when this machine cannot provide them, with the reason printed.
"""
import os
import sys
import time

import virgllib
import vmlib


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: prepare.py GUEST_DIR")
    out = sys.argv[1]
    t0 = time.monotonic()
    try:
        print(f"QEMU 10: {vmlib.qemu_dir(None)}")
        os.makedirs(out, exist_ok=True)
        img, secs = virgllib.build_guest(out_dir=out)
        print(f"virgl guest: {img} ({os.path.getsize(img) >> 20} MiB, {secs:.1f}s)")
    except vmlib.Skip as e:
        sys.exit(vmlib.skip_exit("e2e-virgl prepare", str(e)))
    print(f"PASS e2e-virgl prepare ({time.monotonic() - t0:.1f}s)")


if __name__ == "__main__":
    main()
