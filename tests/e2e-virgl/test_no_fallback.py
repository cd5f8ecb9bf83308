#!/usr/bin/env python3
"""e2e (virgl): the virgl guest cannot fake 3D. The control experiment of test_kmscube.py.

Same guest (Mesa's virtio_gpu driver only, no swrast/llvmpipe), backend WITHOUT 3D (vugpu with
its default renderer.pixman). Asserts: the guest did not negotiate VIRTIO_GPU_F_VIRGL; eglinfo's
GBM platform has no driver; kmscube fails to start (non-zero exit) and no cube ever reaches the
screen. So when test_kmscube.py sees a cube and GL_RENDERER "virgl", it came through the device's
3D path, not from a software renderer hidden in the guest.
"""

import virgllib
import vmlib
from virgllib import check, log


def run(args):
    virgllib.prepare(args)
    with vmlib.Session(args, "no-fallback") as s:
        s.start_backend()
        vm = s.start_vm("kmscube", mem_mb=args.mem, extra_args=args.qemu_arg)
        bits = virgllib.boot_marks(s, vm, args.timeout)
        check(not virgllib.feature_on(bits, 0),
              f"guest did not negotiate VIRTIO_GPU_F_VIRGL (virtio features {bits[:8]}...)")
        text, gt, host = vm.wait_marker("eglinfo", args.timeout)
        s.timing("eglinfo done", host, gt)
        drivers = dict(w.split("=", 1) for w in text.split("drivers:", 1)[-1].split() if "=" in w)
        check("GBM" not in drivers, f"eglinfo: no GBM platform driver without virgl ({text})")
        text, gt, host = vm.wait_marker("kmscube exited", args.timeout)
        s.timing(text, host, gt)
        rc = text.rsplit("rc=", 1)[-1]
        check(rc != "0", f"kmscube failed without virgl ({text})")
        why = virgllib.serial_lines(vm, r"(?i)fail|error|MESA|libEGL")[:6]
        log("   guest said: " + " | ".join(l.strip() for l in why))
        # kmscube has exited: whatever it drew is on the screen by now (nothing to wait for).
        img = vm.screendump(save_as="no-fallback.png")
        log(f"   screen: {img.summary()}")
        check(not virgllib.looks_like_cube(img), "no cube on the screen")
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__, virgllib.add_args)
