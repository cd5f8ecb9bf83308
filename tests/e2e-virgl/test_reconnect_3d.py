#!/usr/bin/env python3
"""e2e (virgl): QEMU dies while the guest renders in 3D; vugpu --virgl serves the next VMM.

Each cycle boots the virgl guest with kmscube on the same backend, waits for the spinning cube
on screen (its virgl contexts, 3D resources and fences live), then SIGKILLs QEMU (no reset, no
goodbye). The backend must stay up, drop the dead guest's contexts and resources, and show the
next guest's cube. The backend's fds/RSS/mappings (vmlib.StatsLog) are sampled idle after every
kill: fds must not grow; RSS after the last kill must stay within --rss-slack MiB of the first
(llvmpipe/virglrenderer keep some caches: shaders, the GL context).
"""
import signal
import time

import virgllib
import vmlib
from virgllib import check, log


def cube_and_motion(s, vm, args):
    img, t = vm.wait_content(args.timeout, predicate=virgllib.looks_like_cube, interval=0.25)
    s.timing(f"{vm.name}: first cube", t)
    time.sleep(0.5)
    b = vm.screendump(save_as=f"{vm.name}-cube.png")
    check(virgllib.looks_like_cube(b), f"{vm.name}: the cube is on screen")
    sa, sb = virgllib.cube_stats(img, step=4), virgllib.cube_stats(b, step=4)
    box = virgllib.union(sa["bbox"], sb["bbox"])
    changed = virgllib.diff_in(img, b, box)
    check(changed > 0, f"{vm.name}: the cube moves ({changed} pixels changed in 0.5 s)")


def run(args):
    virgllib.prepare(args)
    with vmlib.Session(args, "reconnect-3d") as s:
        backend = s.start_backend()
        stats = vmlib.StatsLog(backend.pid)
        idle = [stats.sample("idle, before any VMM")]
        for cycle in range(1, args.cycles + 1):
            vm = s.start_vm("kmscube", name=f"vm{cycle}", mem_mb=args.mem, extra_args=args.qemu_arg)
            bits = virgllib.boot_marks(s, vm, args.timeout)
            check(virgllib.feature_on(bits, 0), f"{vm.name}: VIRTIO_GPU_F_VIRGL negotiated")
            cube_and_motion(s, vm, args)
            stats.sample(f"vm{cycle} drawing, before kill")
            vm.kill(signal.SIGKILL)
            s.vms.remove(vm)
            time.sleep(1.0)
            check(backend.alive(), f"backend still running after vm{cycle} was killed")
            idle.append(stats.sample(f"idle after vm{cycle} killed"))
        stats.table()
        after = idle[1:]
        check(after[-1]["fds"] <= after[0]["fds"],
              f"no fd growth across cycles: idle fds {[st['fds'] for st in idle]}")
        grow_mb = (after[-1]["rss_kb"] - after[0]["rss_kb"]) / 1024
        check(grow_mb <= args.rss_slack,
              f"RSS after the last kill within {args.rss_slack} MiB of the first: {grow_mb:+.1f} MiB "
              f"({[st['rss_kb'] // 1024 for st in idle]} MiB)")
        check(after[-1]["rss_shmem_kb"] < 16 * 1024,
              f"guest memory unmapped when idle: RssShmem {after[-1]['rss_shmem_kb']} kB < 16 MiB")
        s.timing("test wall", s.wall())


def extra(p):
    virgllib.add_args(p)
    p.add_argument("--cycles", type=int, default=3, help="boot+draw+kill cycles (default 3)")
    p.add_argument("--rss-slack", type=float, default=32.0,
                   help="MiB the idle RSS may grow from the first kill to the last (default 32)")


if __name__ == "__main__":
    vmlib.main(run, __doc__, extra)
