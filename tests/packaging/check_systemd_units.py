#!/usr/bin/env python3
"""config/vugpu@.socket and vugpu@.service: `systemd-analyze verify` finds nothing to say about
an instance of them (its warnings fail the test: it exits 0 on most of them), the service is
sandboxed as promised and starts the daemon the descriptor names with --fd=3; then a real
socket activation (systemd-socket-activate: a listening socket as fd 3, LISTEN_FDS set, as
systemd passes it) starts the build's daemon, which answers a VMM on that socket.
(PID 1 is not systemd on these machines: the units themselves cannot be started here.)

    check_systemd_units.py CONFIG_DIR VUGPU PLUGIN_DIR
"""
import ctypes
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


def syscall_group(name, groups):
    """The system calls of a systemd group (@system-service ...), nested groups expanded."""
    out = set()
    for entry in groups.get(name, []):
        out |= syscall_group(entry, groups) if entry.startswith("@") else {entry}
    return out


def check_syscall_filter(repo, plugins):
    """The unit's SystemCallFilter=@system-service lets through every system call vugpu's own
    seccomp allowlist has: the core's (core/sandbox/syscall_allowlist.cpp) and those each built
    plugin declares (its exported vugpu_plugin_syscalls). Otherwise the unit would kill a
    daemon that its own sandbox lets run."""
    listing = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True, text=True,
                             check=True).stdout
    groups, current = {}, None
    for line in listing.splitlines():
        if line.startswith("@"):
            current = line.strip()
            groups[current] = []
        elif current and line.strip() and not line.strip().startswith("#"):
            groups[current].append(line.strip())
    allowed = syscall_group("@system-service", groups)
    with open(os.path.join(repo, "core/sandbox/syscall_allowlist.cpp")) as f:
        core = re.findall(r'"([a-z0-9_]+)"', f.read().split("kCore[] = {")[1].split("};")[0])
    if len(core) < 50:
        fail(f"read only {len(core)} system calls from core/sandbox/syscall_allowlist.cpp")
    wanted = {name: "core" for name in core}

    class PluginSyscalls(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("count", ctypes.c_uint32),
                    ("names", ctypes.POINTER(ctypes.c_char_p))]
    for so in sorted(os.listdir(plugins)):
        if not so.endswith(".so"):
            continue
        lib = ctypes.CDLL(os.path.join(plugins, so))
        try:
            decl = PluginSyscalls.in_dll(lib, "vugpu_plugin_syscalls")
        except ValueError:
            continue  # declares nothing beyond the core's
        for i in range(decl.count):
            wanted.setdefault(decl.names[i].decode(), so)
    missing = sorted(f"{name} ({who})" for name, who in wanted.items() if name not in allowed)
    if missing:
        fail("SystemCallFilter=@system-service would kill vugpu on: " + ", ".join(missing))
    print(f"ok: SystemCallFilter=@system-service ({len(allowed)} calls) covers vugpu's own allowlist "
          f"({len(core)} core + {len(wanted) - len(core)} plugin calls)")


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
    check_syscall_filter(os.path.dirname(os.path.abspath(config)), plugins)

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
