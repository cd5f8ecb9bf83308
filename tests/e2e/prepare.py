#!/usr/bin/env python3
"""ctest fixture of the e2e tests: fetches QEMU 10 (scripts/fetch-qemu) and builds the guest
kernel+initramfs (make-initramfs) once, so the tests don't race to do it.

    prepare.py GUEST_DIR

Exit 0 when ready, 77 (skip) when this machine cannot provide them, with the reason printed.
"""
import os
import sys
import time

import vmlib


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: prepare.py GUEST_DIR")
    out = sys.argv[1]
    t0 = time.monotonic()
    try:
        qdir = vmlib.qemu_dir(None)
        print(f"QEMU 10: {qdir}")
        os.makedirs(out, exist_ok=True)
        kernel, initramfs = vmlib.guest_images(None, None, out_dir=out)
        print(f"guest: {kernel} + {initramfs}")
    except vmlib.Skip as e:
        sys.exit(vmlib.skip_exit("e2e prepare", str(e)))
    print(f"PASS e2e prepare ({time.monotonic() - t0:.1f}s)")


if __name__ == "__main__":
    main()
