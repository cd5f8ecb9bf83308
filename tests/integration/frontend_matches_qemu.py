#!/usr/bin/env python3
"""The test frontend speaks vhost-user exactly as QEMU 10 does.

Boots a real guest under QEMU 10 on a backend through tests/e2e's recording tap and takes the
vhost-user messages QEMU sends until the device runs (realize + DRIVER_OK: request, flags, size,
fd count); then lets the test frontend (vugpu-drive --print-sequence) boot a fresh instance of
the same backend and compares the two sequences message by message. A difference means the
frontend no longer stands in for QEMU (or QEMU changed): the integration tests would then test
something QEMU does not do.

Exit codes as tests/e2e: 0 pass, 1 fail, 77 skip (no QEMU 10, kernel or initramfs).
"""
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import vhost_user_tap  # noqa: E402
import vmlib  # noqa: E402
from vmlib import check, log  # noqa: E402

_recording = threading.local()
_from_qemu = []
_original_read = vhost_user_tap._read_msg
_original_loop = vhost_user_tap.VhostUserTap._main_qemu_to_backend


def _recording_read(sock):
    m = _original_read(sock)
    if m is not None and getattr(_recording, "on", False):
        (request, flags, size), _, fds = m
        _from_qemu.append((request, flags, size, len(fds)))
    return m


def _recording_loop(self, qemu, backend):
    _recording.on = True  # only QEMU -> backend on the main vhost-user socket
    return _original_loop(self, qemu, backend)


# What a whole boot has at least (request, count): realize, SET_SOCKET, features, and every
# vring message for both queues (control, cursor).
WHOLE_BOOT = {"GET_FEATURES": (1, 1), "SET_OWNER": (3, 1), "GET_PROTOCOL_FEATURES": (15, 1),
              "SET_PROTOCOL_FEATURES": (16, 1), "GET_CONFIG": (24, 1), "GPU_SET_SOCKET": (33, 1),
              "SET_FEATURES": (2, 1), "SET_VRING_NUM": (8, 2), "SET_VRING_BASE": (10, 2),
              "SET_VRING_ADDR": (9, 2), "SET_VRING_KICK": (12, 2), "SET_VRING_CALL": (13, 2),
              "SET_VRING_ENABLE": (18, 2)}
SET_MEM_TABLE, ADD_MEM_REG = 5, 37


def frontend_sequence(drive, socket_path):
    out = subprocess.run([drive, f"--socket={socket_path}", "--frames=0", "--print-sequence"],
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"vugpu-drive booted the backend ({out.stderr.strip()})")
    seq = []
    for line in out.stdout.splitlines():
        _, request, flags, size, fds = line.split()
        seq.append((int(request), int(flags, 16), int(size), int(fds)))
    return seq


def describe(m):
    request, flags, size, fds = m
    return f"{request:>2} flags={flags:#x} size={size} fds={fds}"


def run(args):
    if not args.drive or not os.access(args.drive, os.X_OK):
        raise vmlib.Skip(f"vugpu-drive not built: {args.drive}")
    vhost_user_tap._read_msg = _recording_read
    vhost_user_tap.VhostUserTap._main_qemu_to_backend = _recording_loop
    with vmlib.Session(args, "fbcon") as s:
        backend = s.start_backend()
        tap = vhost_user_tap.VhostUserTap(os.path.join(s.tmp, "tap.sock"), backend.socket_path)
        try:
            vm = s.start_vm("fbcon", socket_path=tap.listen_path)
            vm.wait_content(args.timeout)  # the guest draws: QEMU's device set-up is complete
        finally:
            tap.close()
        ours = frontend_sequence(args.drive, s.start_backend(tag="frontend").socket_path)
    log(f"   QEMU sent {len(_from_qemu)} messages; the frontend's boot is {len(ours)}")
    # The comparison below covers the frontend's messages only: they must be a whole boot
    # (realize + DRIVER_OK for both queues), and QEMU's recording at least that long, or an
    # empty or cut-short sequence would compare equal to QEMU's first messages.
    check(len(_from_qemu) >= len(ours), f"QEMU's recording ({len(_from_qemu)} messages) covers the "
                                        f"frontend's boot ({len(ours)})")
    counts = {}
    for request, _, _, _ in ours:
        counts[request] = counts.get(request, 0) + 1
    missing = {name: n for name, (req, n) in WHOLE_BOOT.items() if counts.get(req, 0) < n}
    if counts.get(ADD_MEM_REG, 0) + counts.get(SET_MEM_TABLE, 0) == 0:
        missing["ADD_MEM_REG or SET_MEM_TABLE"] = 1
    check(not missing, f"the frontend's sequence is a whole boot ({len(ours)} messages; missing: "
                       f"{missing or 'nothing'})")
    qemu = list(_from_qemu[: len(ours)])
    for i, (a, b) in enumerate(zip(qemu, ours)):
        if a != b:
            log(f"   first difference at message {i}: QEMU {describe(a)}, frontend {describe(b)}")
            break
    for q, o in zip(qemu, ours):
        log(f"   {describe(q):<34} {'==' if q == o else '!='} {describe(o)}")
    check(qemu == ours, "the frontend sends what QEMU 10 sends, in the same order, with the same flags")


if __name__ == "__main__":
    vmlib.main(run, __doc__, extra_args=lambda p: p.add_argument("--drive", help="path of vugpu-drive"))
