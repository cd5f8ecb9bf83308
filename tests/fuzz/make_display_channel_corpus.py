#!/usr/bin/env python3
"""Seeds for the display-channel fuzz target (display_channel_fuzz.hpp explains the records):
what QEMU answers (protocol features, display info, EDID), and lies. Writes corpus-display-channel/."""
import os
import struct
import sys

REPLY = 0x4


def rec(op, data=b""):
    return struct.pack("<BH", op, len(data)) + data


def reply(request, payload, size=None):
    return struct.pack("<III", request, REPLY, len(payload) if size is None else size) + payload


def display_info(modes):
    body = struct.pack("<IIQII", 0x1101, 0, 0, 0, 0)  # RESP_OK_DISPLAY_INFO
    for i in range(16):
        w, h, on = modes[i] if i < len(modes) else (0, 0, 0)
        body += struct.pack("<IIIIII", 0, 0, w, h, on, 0)
    return body


def edid(n=128):
    blob = bytes([0, 255, 255, 255, 255, 255, 255, 0]) + bytes(n - 8)
    return struct.pack("<IIQII", 0x1104, 0, 0, 0, 0) + struct.pack("<II", n, 0) + blob + bytes(1024 - n)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus-display-channel")
    os.makedirs(out, exist_ok=True)
    features = reply(1, struct.pack("<Q", 3))
    qemu = rec(4, features) + rec(0, reply(3, display_info([(1280, 800, 1), (640, 480, 1)]))) + rec(1, reply(11, edid()))
    qemu += rec(2) + rec(3)
    hostile = rec(4, reply(1, struct.pack("<Q", 0xFFFFFFFFFFFFFFFF)))
    hostile += rec(0, reply(3, b"", size=0xFFFFFFFF)) + rec(5 + 1, reply(11, edid(1024)[:100], size=2000))
    hostile += rec(3, reply(99, b"xyz")) + rec(0, reply(11, edid())) + rec(1, reply(3, display_info([(1, 1, 1)] * 16)))
    for name, data in {"qemu": qemu, "hostile": hostile}.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
