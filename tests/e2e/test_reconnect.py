#!/usr/bin/env python3
"""e2e: the VMM dies mid-drawing; a new VMM on the same socket gets a working display again.

The guest runs `modetest -v` (page flipping between the SMPTE pattern and a plain grey buffer as
fast as it can, i.e. a stream of SET_SCANOUT / TRANSFER_TO_HOST_2D / RESOURCE_FLUSH). Each cycle
waits until the flips are visibly running, SIGKILLs QEMU, starts a fresh QEMU (fresh guest) on
the same backend socket and checks that it shows the SMPTE pattern, every pixel. Every guest
runs another mode (video=Virtual-1:WxH on its command line, checked in the mode modetest set),
so a frame left over from the killed guest -- other size, other bars -- cannot pass.

--backend-persists yes (vugpu): one backend process serves every QEMU. Asserts it survives each
kill and that, once it has handled the hang-up (polled until its fds are back, the time-out only
a safety net), it holds exactly the fds it held before any VMM, with the guest's memory unmapped
(RssShmem < 16 MiB) and no growth of its mappings.
--backend-persists no (QEMU's own vhost-user-gpu exits when its VMM disconnects): a backend per
VMM; the exit after the kill is reported. Default: auto (no for QEMU's vhost-user-gpu).
The backend's fds and RSS (/proc) are printed at every step (vmlib.StatsLog, reusable).
"""
import signal
import time

import smpte
import test_modetest
import vmlib
from vmlib import check, log

PLAIN = (0x77, 0x77, 0x77)  # modetest -v's second buffer (PATTERN_PLAIN)
# One mode per guest (cycle 1 keeps the VMM's preferred one): each differs from the one before.
MODES = [None, (1024, 768), (800, 600), (1152, 864), (640, 480), (1280, 720)]


def extra(p):
    p.add_argument("--cycles", type=int, default=2, help="kill+restart cycles (default 2)")
    p.add_argument("--backend-persists", choices=("auto", "yes", "no"), default="auto",
                   help="does the backend outlive a VMM disconnect? auto: no for QEMU's "
                        "vhost-user-gpu, yes otherwise")


def is_smpte(img, w, h):
    return (img.width, img.height) == (w, h) and all(
        img.pixel(x, y) == c for _, x, y, c in smpte.sample_points(w, h))


def is_plain(img, w, h):
    return (img.width, img.height) == (w, h) and all(
        img.pixel(x, y) == PLAIN for _, x, y, _ in smpte.sample_points(w, h))


def show_and_draw(s, vm, args, kill_after, before_kill, mode=None):
    """Waits for the whole pattern on vm (in `mode`, when given); if kill_after, also for live
    flipping, then SIGKILLs vm. before_kill() runs right before the kill (or at the end when
    not killing). Returns the mode."""
    s.boot_timings(vm)
    w, h = test_modetest.parse_mode(vm, args.timeout)
    if mode:
        check((w, h) == mode, f"{vm.name}: modetest set the mode asked for on the command line, "
                              f"{w}x{h} == {mode[0]}x{mode[1]}")
    img, t = test_modetest.wait_smpte(vm, args.timeout, w, h)
    s.timing(f"{vm.name} SMPTE pattern on screen, every pixel", t)
    img.save_png(f"{s.artifacts}/{vm.name}.png")
    test_modetest.check_smpte(img, w, h, f"{vm.name} screen")
    if not kill_after:
        before_kill()
        return w, h
    seen, deadline = {"smpte": 0, "plain": 0}, time.monotonic() + args.timeout
    while min(seen.values()) < 2:
        i = vm.screendump()
        seen["smpte"] += is_smpte(i, w, h)
        seen["plain"] += is_plain(i, w, h)
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(min(seen.values()) >= 2, f"{vm.name}: guest is flipping (screendumps saw SMPTE "
                                   f"{seen['smpte']}x, plain grey {seen['plain']}x)")
    before_kill()
    t = vm.elapsed()
    vm.kill(signal.SIGKILL)
    log(f"   {vm.name}: QEMU SIGKILLed at {t:.2f}s while the guest was flipping")
    return w, h


def run(args):
    with vmlib.Session(args, "reconnect") as s:
        persists = {"yes": True, "no": False}.get(args.backend_persists, not s.is_qemu_backend())
        log(f"   backend persists across VMMs: {persists}; cycles: {args.cycles}")
        backend = s.start_backend(tag=1)
        stats = vmlib.StatsLog(backend.pid)
        idle = [stats.sample("idle, before any VMM")]
        shown = []
        for cycle in range(1, args.cycles + 2):
            last = cycle == args.cycles + 1
            if cycle > 1 and not persists:
                backend = s.start_backend(tag=cycle)
                stats = vmlib.StatsLog(backend.pid)
                stats.sample("idle, before its VMM")
            mode = MODES[(cycle - 1) % len(MODES)]
            append = [f"video=Virtual-1:{mode[0]}x{mode[1]}"] if mode else []
            vm = s.start_vm("draw-loop", name=f"vm{cycle}", append=append)
            shown.append(show_and_draw(s, vm, args, kill_after=not last, mode=mode,
                                       before_kill=lambda: stats.sample(
                                           f"serving vm{cycle}" + ("" if last else ", before kill"))))
            if len(shown) > 1:
                check(shown[-1] != shown[-2], f"vm{cycle} shows another mode than the guest before it "
                                              f"({shown[-2]} -> {shown[-1]})")
            if last:
                break
            if persists:
                idle.append(vmlib.wait_idle(backend, stats, f"idle after vm{cycle} killed", idle[0],
                                      args.timeout))
            else:
                rc = backend.wait_exit(10)
                log(f"   backend exited with {rc} after vm{cycle} was killed" if rc is not None
                    else "   backend still running 10s after its VMM died: stopping it")
                if rc is None:
                    backend.stop()
                stats.table()
        stats.table()
        if persists:
            before, first, lastidle = idle[0], idle[1], idle[-1]
            check(all(i["fds"] == before["fds"] for i in idle[1:]),
                  f"after every kill the backend holds the fds it held before any VMM: idle fds "
                  f"{[i['fds'] for i in idle]}")
            check(all(i["rss_shmem_kb"] < 16 * 1024 for i in idle[1:]),
                  f"guest memory unmapped when idle: RssShmem {[i['rss_shmem_kb'] for i in idle]} kB "
                  f"< 16 MiB")
            check(lastidle["maps"] <= first["maps"] + 8,
                  f"no mapping growth: maps {[i['maps'] for i in idle]}")
            log(f"   RSS idle: {[i['rss_kb'] for i in idle]} kB")
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__, extra)
