#!/usr/bin/env python3
"""Seeds for the vhost-user fuzz target (vhost_user_fuzz.hpp explains the record format):
QEMU's boot sequence as the test frontend sends it, then a command chain through the control
queue; the same with indirect descriptors; and a hostile mix. Writes corpus-vhost-user/."""
import os
import struct
import sys

UVA = 0x7F0000000000
V1, NEED_REPLY = 0x1, 0x8


def msg(request, payload=b"", fds=(), flags=V1):
    """fds: 'ram' or 'event' per fd (at most 2 here)."""
    tag = len(fds)
    for i, kind in enumerate(fds):
        if kind == "ram":
            tag |= 4 << i
    return bytes([tag]) + struct.pack("<III", request, flags, len(payload)) + payload


def u64(v):
    return struct.pack("<Q", v)


def state(index, num):
    return struct.pack("<II", index, num)


def poke(offset, data):
    return b"\x80" + struct.pack("<IH", offset, len(data)) + data


KICK = b"\x81"
FEATURES = (1 << 32) | (1 << 28) | (1 << 29) | (1 << 30)
PROTOCOL = (1 << 3) | (1 << 9) | (1 << 15)


def boot(queue_size=16):
    s = msg(1)  # GET_FEATURES
    s += msg(15)  # GET_PROTOCOL_FEATURES
    s += msg(16, u64(PROTOCOL))  # SET_PROTOCOL_FEATURES
    s += msg(3)  # SET_OWNER
    s += msg(24, struct.pack("<III", 0, 24, 0) + bytes(24))  # GET_CONFIG
    s += msg(2, u64(FEATURES), flags=V1 | NEED_REPLY)  # SET_FEATURES
    s += msg(5, struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, 1 << 20, UVA, 0), ["ram"], V1 | NEED_REPLY)
    for q in (0, 1):
        base = 0x1000 + q * 0x4000
        s += msg(8, state(q, queue_size))  # SET_VRING_NUM
        s += msg(9, struct.pack("<IIQQQQ", q, 0, UVA + base, UVA + base + 0x2000, UVA + base + 0x1000, 0))
        s += msg(10, state(q, 0))  # SET_VRING_BASE
        s += msg(13, u64(q), ["event"])  # SET_VRING_CALL
        s += msg(12, u64(q), ["event"])  # SET_VRING_KICK
        s += msg(18, state(q, 1))  # SET_VRING_ENABLE
    return s


def desc(addr, length, flags, nxt):
    return struct.pack("<QIHH", addr, length, flags, nxt)


def control_chain(indirect=False):
    hdr = struct.pack("<IIQII", 0x0100, 0, 0, 0, 0)  # GET_DISPLAY_INFO
    s = poke(0x10000, hdr)
    if indirect:
        table = desc(0x10000, 24, 1, 1) + desc(0x11000, 408, 2, 0)
        s += poke(0x12000, table)
        s += poke(0x1000, desc(0x12000, len(table), 4, 0))  # VIRTQ_DESC_F_INDIRECT
    else:
        s += poke(0x1000, desc(0x10000, 24, 1, 1) + desc(0x11000, 408, 2, 0))
    s += poke(0x2000, struct.pack("<HHH", 0, 1, 0))  # avail: flags, idx 1, ring[0] = head 0
    return s + KICK


def hostile():
    s = boot(8)
    s += msg(5, struct.pack("<II", 2, 0) + struct.pack("<QQQQ", 0, 1 << 20, UVA, 0), ["ram"])  # count lies
    s += msg(9, struct.pack("<IIQQQQ", 0, 0, 0x10, 0x20, 0x30, 0))  # ring outside memory
    s += poke(0x1000, desc(0xFFFFFFFFFFFFF000, 0xFFFF, 1, 0))  # wrapping buffer, loop
    s += poke(0x2000, struct.pack("<HHH", 0, 40000, 9))  # avail idx jump, head past the table
    s += KICK
    s += msg(37, bytes(8) + struct.pack("<QQQQ", 1 << 30, 4096, UVA + (1 << 30), 0), ["event"])  # ADD_MEM_REG on an eventfd
    s += msg(11, state(0, 0))  # GET_VRING_BASE
    s += msg(99, bytes(3), ["event", "ram"])  # unknown request with fds
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus-vhost-user")
    os.makedirs(out, exist_ok=True)
    seeds = {"boot": boot(), "boot-command": boot() + control_chain(), "boot-indirect": boot() + control_chain(True),
             "hostile": hostile()}
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
