#!/usr/bin/env python3
"""Writes the seed corpus of the device fuzzer (tests/fuzz/corpus) in its input format
(device_fuzz.cpp): a configuration byte, then operations. Seeds follow what a Linux guest
sends (fbcon + a cursor), a 3D session with fences, and hostile edge values."""
import os
import struct

RAM = 0x100000            # GuestRam::kBase
HDR = struct.Struct('<IIQIB3x')


def hdr(t, flags=0, fence=0, ctx=0, ring=0):
    return HDR.pack(t, flags, fence, ctx, ring)


def ctrl(cmd, chunk=0, room=64, big=False):
    """Raw control-queue command (op 0)."""
    assert len(cmd) < 600
    return bytes([0]) + struct.pack('<H', len(cmd)) + cmd + bytes([chunk, room, 1 if big else 0])


def cursor(cmd):
    """Raw cursor-queue command (op 6, raw branch)."""
    return bytes([6, 0, len(cmd)]) + cmd + bytes([0, 0, 0])


def hold(on, release, presenters=1):
    """Op 7: one hold byte per presenter (the configuration byte says how many), then release."""
    return bytes([7] + [on] * presenters + [release])


def fence(ctx, ring, fid):
    return bytes([8, ctx, ring, fid])


def run_loop():
    return bytes([9])


GET_DISPLAY_INFO, CREATE_2D, UNREF, SET_SCANOUT, FLUSH, TRANSFER_2D, ATTACH, DETACH = range(0x100, 0x108)
CAPSET_INFO, CAPSET, GET_EDID = 0x108, 0x109, 0x10a
CTX_CREATE, CTX_DESTROY, CTX_ATTACH, CTX_DETACH, CREATE_3D, T3D_TO, T3D_FROM, SUBMIT_3D = range(0x200, 0x208)
UPDATE_CURSOR, MOVE_CURSOR = 0x300, 0x301
FENCE = 1
RING = 2


def rect(x, y, w, h):
    return struct.pack('<IIII', x, y, w, h)


def attach(res, entries):
    return hdr(ATTACH) + struct.pack('<II', res, len(entries)) + b''.join(struct.pack('<QII', a, l, 0) for a, l in entries)


def linux_2d():
    w, h = 64, 48
    out = bytes([0x40])  # pixman, EDID on
    out += ctrl(hdr(GET_DISPLAY_INFO), room=30)
    out += ctrl(hdr(GET_EDID) + struct.pack('<II', 0, 0), room=70)
    out += ctrl(hdr(CREATE_2D) + struct.pack('<IIII', 1, 2, w, h))
    pages = [(RAM + 4096 * p, 4096) for p in (7, 3, 11)]
    out += ctrl(attach(1, pages), chunk=3)
    out += ctrl(hdr(SET_SCANOUT) + rect(0, 0, w, h) + struct.pack('<II', 0, 1))
    out += ctrl(hdr(TRANSFER_2D, FENCE, 1) + rect(0, 0, w, h) + struct.pack('<QII', 0, 1, 0))
    out += ctrl(hdr(FLUSH, FENCE, 2) + rect(0, 0, w, h) + struct.pack('<II', 1, 0))
    out += hold(1, 0)
    out += ctrl(hdr(TRANSFER_2D) + rect(8, 8, 16, 16) + struct.pack('<QII', 8 * w * 4 + 32, 1, 0))
    out += ctrl(hdr(FLUSH) + rect(8, 8, 16, 16) + struct.pack('<II', 1, 0))
    out += hold(0, 1) + run_loop()
    out += ctrl(hdr(CREATE_2D) + struct.pack('<IIII', 2, 1, 64, 64))
    out += ctrl(attach(2, [(RAM + 0x40000, 64 * 64 * 4)]))
    out += ctrl(hdr(TRANSFER_2D) + rect(0, 0, 64, 64) + struct.pack('<QII', 0, 2, 0))
    out += cursor(hdr(UPDATE_CURSOR) + struct.pack('<IIII', 0, 10, 20, 0) + struct.pack('<IIII', 2, 1, 1, 0))
    out += cursor(hdr(MOVE_CURSOR) + struct.pack('<IIII', 0, 30, 40, 0) + bytes(16))
    out += ctrl(hdr(SET_SCANOUT) + rect(0, 0, 0, 0) + struct.pack('<II', 0, 0))
    out += ctrl(hdr(DETACH) + struct.pack('<II', 1, 0))
    out += ctrl(hdr(UNREF) + struct.pack('<II', 1, 0))
    out += ctrl(hdr(UNREF) + struct.pack('<II', 2, 0))
    return out


def session_3d():
    out = bytes([0x01 | 0x02 | 0x04 | 0x08])  # scripted renderer, deferred fences, context_init, 2 presenters
    out += ctrl(hdr(CAPSET_INFO) + struct.pack('<II', 0, 0))
    out += ctrl(hdr(CAPSET) + struct.pack('<II', 1, 1), room=40)
    name = b'kmscube'
    out += ctrl(hdr(CTX_CREATE, ctx=1) + struct.pack('<II', len(name), 0) + name.ljust(64, b'\0'))
    out += ctrl(hdr(CREATE_3D) + struct.pack('<12I', 5, 2, 67, 0xa, 64, 64, 1, 1, 0, 0, 0, 0))
    out += ctrl(hdr(CTX_ATTACH, ctx=1) + struct.pack('<II', 5, 0))
    out += ctrl(hdr(SUBMIT_3D, FENCE, 3, 1) + struct.pack('<II', 16, 0) + bytes(range(16)), chunk=2)
    out += ctrl(hdr(SUBMIT_3D, FENCE | RING, 4, 1, 2) + struct.pack('<II', 8, 0) + bytes(8))
    out += ctrl(hdr(T3D_FROM, FENCE, 5, 1) + struct.pack('<6I', 0, 0, 0, 4, 4, 1) + struct.pack('<QIIII', 0, 5, 0, 256, 0))
    out += fence(0, 0, 3) + fence(1, 2, 4) + fence(0, 0, 5)
    out += ctrl(hdr(CTX_DETACH, ctx=1) + struct.pack('<II', 5, 0))
    out += ctrl(hdr(CTX_DESTROY, ctx=1))
    return out


def hostile():
    out = bytes([0x80 | 0x10])  # presenter reports 3 scanouts, 2 configured
    out += ctrl(hdr(CREATE_2D) + struct.pack('<IIII', 1, 2, 0xffffffff, 0xffffffff))
    out += ctrl(hdr(CREATE_2D) + struct.pack('<IIII', 1, 2, 16, 16))
    out += ctrl(attach(1, [(0xfffffffffffff000, 0x2000)]))
    out += ctrl(hdr(ATTACH) + struct.pack('<II', 1, 0xffffffff))
    out += ctrl(attach(1, [(RAM + 4096 * 200, 1024)]))
    out += ctrl(hdr(TRANSFER_2D) + rect(0xfffffff0, 0, 0x20, 1) + struct.pack('<QII', 0, 1, 0))
    out += ctrl(hdr(TRANSFER_2D) + rect(0, 0, 16, 16) + struct.pack('<QII', 0xfffffffffffffff0, 1, 0))
    out += ctrl(hdr(SET_SCANOUT) + rect(0, 0, 16, 16) + struct.pack('<II', 2, 1))
    out += ctrl(hdr(SET_SCANOUT) + rect(0, 0, 16, 16) + struct.pack('<II', 0xffffffff, 1))
    out += ctrl(hdr(FLUSH) + rect(0, 0xffffffff, 1, 2) + struct.pack('<II', 1, 0))
    out += ctrl(hdr(GET_EDID) + struct.pack('<II', 15, 0))
    out += ctrl(hdr(0x4242, FENCE, 9) + bytes(40))
    out += ctrl(hdr(SUBMIT_3D, ctx=1) + struct.pack('<II', 0xffffffff, 0))
    out += ctrl(b'\x01\x01')
    out += ctrl(hdr(GET_DISPLAY_INFO), room=1)
    return out


if __name__ == '__main__':
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
    os.makedirs(here, exist_ok=True)
    for name, make in (('linux-2d', linux_2d), ('session-3d', session_3d), ('hostile', hostile)):
        with open(os.path.join(here, name), 'wb') as f:
            f.write(make())
