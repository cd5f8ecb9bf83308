#!/usr/bin/env python3
"""config/vugpu@.socket and vugpu@.service: `systemd-analyze verify` finds nothing to say about
an instance of them (its warnings fail the test: it exits 0 on most of them), the service is
sandboxed as promised and starts the daemon the descriptor names with --fd=3; then a real
socket activation (systemd-socket-activate: a listening socket as fd 3, LISTEN_FDS set, as
systemd passes it) starts the build's daemon, which answers a VMM on that socket.
(PID 1 is not systemd on these machines: the units themselves cannot be started here.)

    check_systemd_units.py CONFIG_DIR VUGPU PLUGIN_DIR
"""
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

SANDBOX = ["DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateNetwork=yes",
           "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_UNIX", "SystemCallFilter=@system-service",
           "SystemCallArchitectures=native", "ProtectHome=yes"]
INSTALLED = "/usr/libexec/vugpu/vugpu"


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def main():
    config, vugpu, plugins = sys.argv[1:4]
    with open(os.path.join(config, "vugpu@.service")) as f:
        service = f.read()
    lines = set(service.splitlines())
    for want in SANDBOX:
        if want not in lines:
            fail(f"vugpu@.service lacks {want}")
    m = re.search(r"^ExecStart=(\S+) (.*)$", service, re.M)
    if not m or m.group(1) != INSTALLED or "--fd=3" not in m.group(2).split():
        fail(f"vugpu@.service must run {INSTALLED} --fd=3 (ExecStart: {m and m.group(0)})")
    print(f"ok: vugpu@.service sandboxed ({len(SANDBOX)} settings) and runs {m.group(0)[10:]}")

    with tempfile.TemporaryDirectory() as tmp:
        # The installed path does not exist in a build tree: verify's executable check runs on
        # the build's daemon instead.
        with open(os.path.join(tmp, "vugpu@.service"), "w") as f:
            f.write(service.replace(INSTALLED, os.path.abspath(vugpu)))
        shutil.copy(os.path.join(config, "vugpu@.socket"), tmp)
        r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                            os.path.join(tmp, "vugpu@vm1.socket"), os.path.join(tmp, "vugpu@vm1.service")],
                           capture_output=True, text=True, cwd=tmp, timeout=60)
        said = (r.stdout + r.stderr).strip()
        if r.returncode != 0 or said:
            fail(f"systemd-analyze verify (rc {r.returncode}):\n{said}")
        print("ok: systemd-analyze verify vugpu@vm1.socket vugpu@vm1.service: nothing to say")

        sock = os.path.join(tmp, "vm1.sock")
        env = dict(os.environ, VUGPU_PLUGIN_PATH=plugins)
        log_path = os.path.join(tmp, "vugpu.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(["systemd-socket-activate", "-l", sock, "-E", f"VUGPU_PLUGIN_PATH={plugins}",
                                     os.path.abspath(vugpu), "--fd=3"],
                                    stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 20
            while not os.path.exists(sock):
                if time.monotonic() > deadline or proc.poll() is not None:
                    fail(f"systemd-socket-activate did not listen on {sock}")
                time.sleep(0.05)
            for vmm in range(2):  # the service stays for the next VMM, as vugpu@.service does
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                c.settimeout(20)
                c.connect(sock)
                c.sendall(struct.pack("<III", 1, 1, 0))  # VHOST_USER_GET_FEATURES
                reply = b""
                while len(reply) < 20:
                    chunk = c.recv(20 - len(reply))
                    if not chunk:
                        break
                    reply += chunk
                c.close()
                if len(reply) != 20 or struct.unpack("<III", reply[:12])[0] != 1:
                    with open(log_path) as f:
                        fail(f"VMM {vmm}: no GET_FEATURES reply from the activated vugpu ({reply!r}):\n{f.read()}")
            print("ok: socket-activated vugpu --fd=3 answered two VMMs, one after the other")
        finally:
            proc.terminate()
            proc.wait(20)
        with open(log_path) as f:
            text = f.read()
        if "accepting VMMs on the listening socket fd 3" not in text:
            fail(f"vugpu did not take fd 3 as a listening socket:\n{text}")
    print("PASS")


if __name__ == "__main__":
    main()
