#!/usr/bin/env python3
"""e2e (virgl): QEMU dies while the guest renders in 3D; vugpu --virgl serves the next VMM.

Each cycle boots the virgl guest with kmscube on the same backend, in another mode than the
cycle before (so a frame of the killed guest cannot pass), waits for the spinning cube on screen
(three screendumps in a row, each differing from the one before in >= 2 % of the cube's area:
its virgl contexts, 3D resources and fences live), then SIGKILLs QEMU (no reset, no goodbye).
The backend must stay up, drop the dead guest's contexts and resources, and show the next
guest's cube. After every kill the backend is polled until it has handled the hang-up; it must
then hold exactly the fds it held before any VMM, with the guest's memory unmapped; RSS after
the last kill must stay within --rss-slack MiB of the first (llvmpipe/virglrenderer keep some
caches: shaders, the GL context).
"""
import signal
import time

import virgllib
import vmlib
from virgllib import check, log


def cube_and_motion(s, vm, args):
    img, t = vm.wait_content(args.timeout, predicate=virgllib.looks_like_cube, interval=0.25)
    s.timing(f"{vm.name}: first cube", t)
    frames, moves = virgllib.wait_motion(vm, img, args.timeout)
    frames[-1].save_png(f"{s.artifacts}/{vm.name}-cube.png")
    check(all(virgllib.looks_like_cube(f) for f in frames), f"{vm.name}: the cube is on screen")
    check(len(moves) >= 2 and all(c >= 0.02 * a for c, a in moves),
          f"{vm.name}: the cube spins: {len(frames)} screendumps in a row, each differing from the one "
          f"before in >= 2% of the cube's area ({', '.join(f'{100.0 * c / a:.0f}%' for c, a in moves)})")
    return frames[-1]


# One mode per guest, each different from the one before: QEMU's display size (the device's
# xres/yres), which its EDID makes the preferred mode -- the one the guest's LD_PRELOAD shim
# leaves kmscube (video= on the kernel command line would not change it).
MODES = [(1280, 800), (1024, 768), (800, 600), (1152, 864)]


def run(args):
    virgllib.prepare(args)
    with vmlib.Session(args, "reconnect-3d") as s:
        backend = s.start_backend()
        stats = vmlib.StatsLog(backend.pid)
        idle = [stats.sample("idle, before any VMM")]
        shown = []
        for cycle in range(1, args.cycles + 1):
            mode = MODES[(cycle - 1) % len(MODES)]
            size = ["-global", f"vhost-user-gpu-pci.xres={mode[0]}",
                    "-global", f"vhost-user-gpu-pci.yres={mode[1]}"]
            vm = s.start_vm("kmscube", name=f"vm{cycle}", mem_mb=args.mem,
                            extra_args=list(args.qemu_arg) + size)
            bits = virgllib.boot_marks(s, vm, args.timeout)
            check(virgllib.feature_on(bits, 0), f"{vm.name}: VIRTIO_GPU_F_VIRGL negotiated")
            cube = cube_and_motion(s, vm, args)
            if shown:
                # A frame of the killed guest cannot pass: each guest draws in another mode.
                check((cube.width, cube.height) == MODES[cycle - 1] != (shown[-1].width, shown[-1].height),
                      f"{vm.name} shows its own mode {cube.width}x{cube.height} (the guest before: "
                      f"{shown[-1].width}x{shown[-1].height})")
            shown.append(cube)
            stats.sample(f"vm{cycle} drawing, before kill")
            vm.kill(signal.SIGKILL)
            s.vms.remove(vm)
            idle.append(vmlib.wait_idle(backend, stats, f"idle after vm{cycle} killed", idle[0], args.timeout))
        stats.table()
        after = idle[1:]
        check(all(st["fds"] == idle[0]["fds"] for st in after),
              f"after every kill the backend holds the fds it held before any VMM: idle fds "
              f"{[st['fds'] for st in idle]}")
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
