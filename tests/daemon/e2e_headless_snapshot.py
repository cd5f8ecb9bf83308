#!/usr/bin/env python3
"""present.headless against the ground truth: a real guest (modetest's SMPTE pattern) under QEMU
drives vugpu with two presenters, present.vhost-user and present.headless. The PNG that
present.headless writes at exit must equal, pixel for pixel, what QEMU's screendump showed.

Runs tests/e2e/test_modetest.py (the e2e harness) with vugpu as the backend. Exit codes: 0 pass,
1 fail, 77 skip (no QEMU/kernel: the harness prints why)."""

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def read_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA PNG, any filter."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
    if depth != 8 or color not in (2, 6):
        raise ValueError(f"{path}: depth {depth} colour type {color} not handled")
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev, p = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line[x * bpp + k] for x in range(width) for k in range(3)))
        prev = line
    return width, height, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vugpu", required=True)
    ap.add_argument("--plugins", required=True, help="folder with the built plugins")
    ap.add_argument("--initramfs")
    ap.add_argument("--artifacts", default=None)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="vugpu-e2e-headless-")
    artifacts = args.artifacts or os.path.join(work, "artifacts")
    snapshot = os.path.join(work, "scanout-%s.png")
    config = os.path.join(work, "vugpu.toml")
    with open(config, "w") as f:
        f.write('presenters = ["present.vhost-user", "present.headless"]\n'
                '[plugin."present.headless"]\n'
                f'snapshot_path = "{snapshot}"\ninterval_ms = -1\nsnapshot_on_exit = true\n')
    cmd = [sys.executable, os.path.join(REPO, "tests", "e2e", "test_modetest.py"),
           "--backend", f"{args.vugpu} --config {config}",
           "--backend-env", f"VUGPU_PLUGIN_PATH={args.plugins}", "--artifacts", artifacts]
    if args.initramfs:
        cmd += ["--initramfs", args.initramfs]
    print("running:", " ".join(cmd), flush=True)
    rc = subprocess.call(cmd)
    if rc != 0:
        print(f"e2e harness exited {rc}", flush=True)
        return rc  # 77 = skipped, with the harness' reason above

    qemu_png = os.path.join(artifacts, "modetest.png")
    ours_png = snapshot.replace("%s", "0")
    for path in (qemu_png, ours_png):
        if not os.path.exists(path):
            print(f"FAIL: {path} was not written", flush=True)
            return 1
    w1, h1, ours = read_png(ours_png)
    w2, h2, qemu = read_png(qemu_png)
    if (w1, h1) != (w2, h2):
        print(f"FAIL: present.headless wrote {w1}x{h1}, QEMU showed {w2}x{h2}", flush=True)
        return 1
    differing = sum(1 for y in range(h1) for x in range(w1) if ours[y][3 * x:3 * x + 3] != qemu[y][3 * x:3 * x + 3])
    print(f"{'ok' if differing == 0 else 'FAIL'}: {differing} of {w1 * h1} pixels of {ours_png} differ from "
          f"QEMU's screendump {qemu_png}", flush=True)
    if differing:
        return 1
    shutil.rmtree(work, ignore_errors=True)  # kept on failure, for a look
    return 0


if __name__ == "__main__":
    sys.exit(main())
