#!/usr/bin/env python3
"""e2e: the guest's hardware cursor reaches QEMU (VHOST_USER_GPU_CURSOR_UPDATE and CURSOR_POS).

The guest runs `modetest -s ... -C`: a 64x64 ARGB8888 cursor filled with 0x77 bytes (libdrm's
PATTERN_PLAIN, "translucent alpha") that modetest moves around the screen. The backend must turn
the guest's cursor queue (UPDATE_CURSOR / MOVE_CURSOR) into VHOST_USER_GPU_CURSOR_UPDATE /
CURSOR_POS messages on the display channel; QEMU turns those into dpy_cursor_define /
dpy_mouse_set.

How it is observed: QEMU 10 has no trace event for it, screendump leaves the cursor out, and
QEMU refuses every display that would show it with vhost-user-gpu (VNC/GTK/SDL/D-Bus without GL:
"The console requires display DMABUF support"). So QEMU talks to the backend through
vhost_user_tap, which forwards every message unchanged and decodes the display channel — the
bytes QEMU's vhost-user-gpu reads.

Asserts: a CURSOR_UPDATE reached QEMU with a 64x64 image whose every pixel is 0x77777777 (the
guest's cursor resource, intact); many CURSOR_POS messages at >= 10 distinct positions inside the
mode (the cursor moves); QEMU keeps serving the display after them (the screen still has the
SMPTE pattern, so the stream stayed in sync); the tap saw no protocol error.
"""
import os
import time

import test_modetest
import vhost_user_tap
import vmlib
from vmlib import check, log

CURSOR_PIXEL = 0x77777777


def run(args):
    with vmlib.Session(args, "cursor") as s:
        backend = s.start_backend()
        tap = vhost_user_tap.VhostUserTap(os.path.join(s.tmp, "tap.sock"), backend.socket_path)
        try:
            vm = s.start_vm("cursor", socket_path=tap.listen_path)
            s.boot_timings(vm)
            w, h = test_modetest.parse_mode(vm, args.timeout)
            _, gt, host = vm.wait_marker("modetest started", args.timeout)
            s.timing("modetest started", host, gt)
            img, t = vm.wait_content(args.timeout, predicate=lambda i: (i.width, i.height) == (w, h))
            s.timing("first pixels", t)

            deadline = time.monotonic() + args.timeout
            first_update = first_pos = None
            while True:
                updates = tap.events("CURSOR_UPDATE")
                moves = tap.events("CURSOR_POS")
                if updates and first_update is None:
                    first_update = updates[0].t - vm.t0
                    s.timing("first CURSOR_UPDATE to QEMU", first_update)
                if moves and first_pos is None:
                    first_pos = moves[0].t - vm.t0
                    s.timing("first CURSOR_POS to QEMU", first_pos)
                positions = {(e.fields["x"], e.fields["y"]) for e in moves + updates}
                if updates and len(positions) >= 10:
                    break
                if time.monotonic() > deadline:
                    break
                vm._check_guest()
                time.sleep(0.2)
            counts = {}
            for e in tap.events():
                counts[e.name] = counts.get(e.name, 0) + 1
            log("   display channel, backend -> QEMU: " +
                ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
            check(not tap.errors, f"tap saw no protocol error ({tap.errors})")
            check(len(updates) > 0, f"QEMU received CURSOR_UPDATE ({len(updates)} messages)")
            u = updates[-1]
            log(f"   last CURSOR_UPDATE: {u.fields}, {len(u.data)} bytes of image")
            check(u.size == 12 + 8 + 64 * 64 * 4,
                  f"CURSOR_UPDATE payload is {u.size} == {12 + 8 + 64 * 64 * 4} bytes")
            check(u.fields["scanout"] == 0, f"cursor is on scanout {u.fields['scanout']} == 0")
            pixels = [int.from_bytes(u.data[i:i + 4], "little") for i in range(0, len(u.data), 4)]
            rgba = bytearray()
            for p in pixels:
                rgba += bytes(((p >> 16) & 255, (p >> 8) & 255, p & 255, p >> 24))
            vmlib.write_png(os.path.join(s.artifacts, "cursor.png"), 64, 64, bytes(rgba), alpha=True)
            good = sum(1 for p in pixels if p == CURSOR_PIXEL)
            check(good == 64 * 64, f"{good}/4096 cursor pixels are 0x{CURSOR_PIXEL:08x} "
                                   f"(modetest's 64x64 plain cursor)")
            check(len(moves) >= 10, f"QEMU received {len(moves)} CURSOR_POS (>= 10)")
            check(all(e.fields["scanout"] == 0 for e in moves), "every CURSOR_POS is for scanout 0")
            check(len(positions) >= 10, f"{len(positions)} distinct cursor positions (>= 10): it moves")
            inside = [p for p in positions if 0 <= p[0] < w and 0 <= p[1] < h]
            check(len(inside) == len(positions), f"all positions inside the {w}x{h} mode")
            xs, ys = [p[0] for p in positions], [p[1] for p in positions]
            log(f"   positions x {min(xs)}..{max(xs)}, y {min(ys)}..{max(ys)}; "
                f"hides: {counts.get('CURSOR_POS_HIDE', 0)}")
            img = vm.screendump(save_as="cursor-screen.png")
            test_modetest.check_smpte(img, w, h, "screen after the cursor traffic")
        finally:
            tap.close()
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__)
