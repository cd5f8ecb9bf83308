#!/usr/bin/env python3
"""e2e: a real libvirt (Debian 12's libvirtd 9.0) starts vugpu for a domain and stops it.

libvirtd and virtlogd run as root in a private mount namespace (tests/libvirt/private-libvirtd):
their /etc/libvirt, /etc/qemu, /run, /var/{lib,log,cache}/libvirt are folders of this test, so
the host's configuration and any libvirtd of its own are left alone, and nothing of the test
outlives it. /etc/qemu/vhost-user/ there holds 40-vugpu.json, which names a wrapper that runs the
build tree's daemon with the build tree's plugins (libvirt clears the environment).

For each variant (2D; then <acceleration accel3d='yes'/>, when renderer.virgl is built) asserts:
  - libvirt picked vugpu's descriptor (sorted before QEMU's 50-qemu-gpu.json) and ran vugpu with
    --fd=N (and --virgl for 3D, and no --render-node: this host has none);
  - the guest's modetest SMPTE pattern is on the console, pixel-checked in `virsh screenshot`;
  - `virsh destroy` leaves no vugpu process.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import smpte  # noqa: E402
import test_modetest  # noqa: E402  (check_smpte, parse_mode_text)
import vmlib  # noqa: E402
from vmlib import Skip, TestFailure, check, log  # noqa: E402

DOMAIN = "vugpu-libvirt-e2e"
# Paths libvirt reads or writes, each replaced by a folder of the test in the namespace.
BINDS = {"etc-libvirt": "/etc/libvirt", "etc-qemu": "/etc/qemu", "run": "/run",
         "var-lib": "/var/lib/libvirt", "var-log": "/var/log/libvirt",
         "var-cache": "/var/cache/libvirt"}

LIBVIRTD_CONF = """\
# Only this test talks to this daemon, as root, through a socket in the test's folder.
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:stderr"
"""
QEMU_CONF = """\
# As FACTS.md says works here without systemd: no user switch, no SELinux/AppArmor labels.
user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
# QEMU stays in libvirtd's mount namespace (not one of its own with a private /dev): then every
# process libvirt starts for the test is in the test's namespace, and ends with it.
namespaces = []
"""


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def mount_ns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


class PrivateLibvirt:
    """libvirtd + virtlogd in their own mount namespace; every process in it ends with it."""

    def __init__(self, root, artifacts):
        self.root, self.artifacts = root, artifacts
        self.proc = None
        self.ns = None
        self.created_mountpoints = []
        self.uri = f"qemu:///system?socket={root}/run/libvirt/libvirt-sock"

    def start(self, timeout):
        for name, target in BINDS.items():
            os.makedirs(os.path.join(self.root, name), exist_ok=True)
            # Mount points the host lacks are created empty (Debian's libvirt-daemon-system
            # would create them) and removed again at the end.
            missing, p = [], target
            while not os.path.exists(p):
                missing.append(p)
                p = os.path.dirname(p)
            for d in reversed(missing):
                os.mkdir(d)
                self.created_mountpoints.append(d)
        etc = os.path.join(self.root, "etc-libvirt")
        write(os.path.join(etc, "libvirtd.conf"), LIBVIRTD_CONF)
        write(os.path.join(etc, "virtlogd.conf"), 'log_outputs = "3:stderr"\n')
        write(os.path.join(etc, "qemu.conf"), QEMU_CONF)
        self.proc = vmlib.spawn(["unshare", "--mount", "--propagation", "private",
                                 os.path.join(HERE, "private-libvirtd"), self.root],
                                os.path.join(self.artifacts, "libvirtd.log"))
        deadline = time.monotonic() + timeout
        socks = [os.path.join(self.root, "run/libvirt", s) for s in ("libvirt-sock", "virtlogd-sock")]
        while not all(os.path.exists(s) for s in socks):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise TestFailure(f"libvirtd did not come up (rc {self.proc.poll()}):\n"
                                  f"{vmlib.tail(os.path.join(self.artifacts, 'libvirtd.log'))}")
            time.sleep(0.1)
        self.ns = mount_ns(self.proc.pid)
        check(self.ns and self.ns != mount_ns(os.getpid()), f"libvirtd runs in a mount namespace of its own ({self.ns})")

    def virsh(self, *args, check_rc=True, timeout=120):
        r = subprocess.run(["virsh", "-q", "-c", self.uri] + list(args), capture_output=True,
                           text=True, timeout=timeout)
        if check_rc and r.returncode != 0:
            raise TestFailure(f"virsh {' '.join(args)} failed: {r.stderr.strip()}")
        return r.stdout

    def pids(self):
        """Every process of the namespace (libvirtd, virtlogd, QEMU, backends), libvirtd's
        unshare parent excluded."""
        out = []
        for name in os.listdir("/proc"):
            if name.isdigit() and mount_ns(name) == self.ns:
                out.append(int(name))
        return out

    def describe(self):
        """pid: exe of every process of the namespace (for failure messages)."""
        out = {}
        for pid in self.pids():
            try:
                out[pid] = os.readlink(f"/proc/{pid}/exe")
            except OSError:
                out[pid] = "?"
        return out

    def processes_running(self, exe):
        """{pid: argv} of the namespace's processes running `exe`."""
        found = {}
        for pid in self.pids():
            try:
                if os.path.realpath(f"/proc/{pid}/exe") != os.path.realpath(exe):
                    continue
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    found[pid] = [a.decode() for a in f.read().split(b"\0") if a]
            except OSError:
                continue
        return found

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None and self.ns:
            for name in self.virsh("list", "--name", check_rc=False, timeout=30).split():
                self.virsh("destroy", name, check_rc=False, timeout=30)
        vmlib.terminate(self.proc, grace=10)
        # libvirt's logs of QEMU and of the backend (stderr of both) go with the artifacts.
        shutil.copytree(os.path.join(self.root, "var-log"), os.path.join(self.artifacts, "var-log-libvirt"),
                        dirs_exist_ok=True)
        # QEMU and its backend are daemonized by libvirt (no longer its children): whatever of
        # the namespace is left was started by this test and ends here.
        if self.ns:
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for d in reversed(self.created_mountpoints):
            try:
                os.rmdir(d)
            except OSError as e:
                log(f"  note: could not remove the mount point {d} this test created: {e}")


def domain_xml(emulator, kernel, initramfs, serial, accel3d):
    model = ("<model type='virtio'><acceleration accel3d='yes'/></model>" if accel3d
             else "<model type='virtio'/>")
    return f"""<domain type='qemu'>
  <name>{DOMAIN}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initramfs}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 vugpu.scenario=modetest</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>{emulator}</emulator>
    <serial type='file'><source path='{serial}'/><target port='0'/></serial>
    <video>{model}<driver name='vhostuser'/></video>
  </devices>
</domain>
"""


def screenshot(lv, tmp, n):
    png = os.path.join(tmp, f"shot{n}.png")
    ppm = os.path.join(tmp, f"shot{n}.ppm")
    lv.virsh("screenshot", DOMAIN, png)
    subprocess.run(["convert", png, ppm], check=True, capture_output=True, timeout=60)
    img = vmlib.Image.from_ppm(ppm)
    os.unlink(ppm)
    return img, png


def run_domain(args, lv, tmp, emulator, kernel, initramfs, accel3d):
    label = "3D (accel3d='yes')" if accel3d else "2D"
    log(f"== domain, {label}")
    serial = os.path.join(args.artifacts, f"serial-{'3d' if accel3d else '2d'}.log")
    xml = write(os.path.join(tmp, f"domain-{'3d' if accel3d else '2d'}.xml"),
                domain_xml(emulator, kernel, initramfs, serial, accel3d))
    t0 = time.monotonic()
    lv.virsh("create", xml)
    log(f"   virsh create: {time.monotonic() - t0:.1f}s")

    backends = lv.processes_running(args.vugpu)
    check(len(backends) == 1, f"libvirt runs one vugpu for the domain ({backends})")
    (pid, argv), = backends.items()
    check(any(a.startswith("--fd=") for a in argv), f"vugpu was given the VMM's socket with --fd ({argv[1:]})")
    check(("--virgl" in argv) == accel3d, f"--virgl {'given' if accel3d else 'not given'} ({argv[1:]})")
    check(not any(a.startswith("--render-node") for a in argv),
          "no --render-node: vugpu advertises none on a host without one")
    qemus = lv.processes_running(args.qemu_binary)
    check(len(qemus) == 1, f"libvirt runs QEMU 10 (the <emulator> wrapper) (pid {list(qemus) or lv.describe()})")
    with open(os.path.join(args.artifacts, "vugpu.log")) as f:
        serving = [line for line in f if " serving fd " in line]
    renderer = "renderer.virgl" if accel3d else "renderer.pixman"
    check(serving and f"renderer {renderer}," in serving[-1],
          f"vugpu serves with {renderer} ({serving[-1].strip() if serving else 'no serving line in its log'})")

    # The guest prints the mode modetest set on its serial console, then the screen shows it.
    deadline = time.monotonic() + args.timeout
    text = None
    while text is None:
        if os.path.exists(serial):
            with open(serial, errors="replace") as f:
                text = next((line for line in f if line.startswith(vmlib.MARK + "modetest started")), None)
        if text is None:
            if time.monotonic() > deadline:
                raise TestFailure(f"{label}: no 'modetest started' from the guest within {args.timeout}s:\n"
                                  f"{vmlib.tail(serial)}")
            time.sleep(0.2)
    w, h = test_modetest.parse_mode_text(text)
    n = 0
    while True:
        n += 1
        img, png = screenshot(lv, tmp, n)
        if (img.width, img.height) == (w, h) and img.pixel(w // 14, h // 3) == smpte.GREY:
            break
        if pid not in lv.processes_running(args.vugpu):
            raise TestFailure(f"{label}: vugpu (pid {pid}) died before the pattern showed; its log:\n"
                              f"{vmlib.tail(os.path.join(args.artifacts, 'vugpu.log'))}")
        if time.monotonic() > deadline:
            shutil.copy(png, os.path.join(args.artifacts, f"timeout-{'3d' if accel3d else '2d'}.png"))
            raise TestFailure(f"{label}: no SMPTE pattern in `virsh screenshot` within {args.timeout}s "
                              f"(last: {img.summary()})")
        time.sleep(0.5)
    log(f"   pattern on the console after {time.monotonic() - t0:.1f}s")
    img, png = screenshot(lv, tmp, n + 1)  # a fresh one: the first sighting may be mid-transfer
    shutil.copy(png, os.path.join(args.artifacts, f"screenshot-{'3d' if accel3d else '2d'}.png"))
    check((img.width, img.height) == (w, h), f"screenshot is {img.width}x{img.height} == mode {w}x{h}")
    test_modetest.check_smpte(img, w, h, label)

    lv.virsh("destroy", DOMAIN)
    deadline = time.monotonic() + 10  # safety net: libvirt kills the backend by pid at once
    while lv.processes_running(args.vugpu) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = lv.processes_running(args.vugpu)
    check(not left, f"virsh destroy leaves no vugpu process ({left})")
    check(not os.path.exists(f"/proc/{pid}") or mount_ns(pid) != lv.ns, f"vugpu pid {pid} is gone")


def run(args):
    for tool in ("libvirtd", "virtlogd", "virsh", "unshare", "convert"):
        if not shutil.which(tool):
            raise Skip(f"{tool} not installed (scripts/setup installs it)")
    qdir = vmlib.qemu_dir(args.qemu_dir)
    args.qemu_binary = os.path.join(qdir, "usr/bin/qemu-system-x86_64")
    kernel, initramfs = vmlib.guest_images(args.initramfs, None)
    tmp = tempfile.mkdtemp(prefix="vugpu-libvirt-")
    os.chmod(tmp, 0o755)
    args.artifacts = args.artifacts or os.path.join(tmp, "artifacts")
    os.makedirs(args.artifacts, exist_ok=True)
    if os.path.exists(os.path.join(args.artifacts, "vugpu.log")):
        os.unlink(os.path.join(args.artifacts, "vugpu.log"))  # this run's only
    lv = PrivateLibvirt(os.path.join(tmp, "root"), args.artifacts)
    try:
        emulator = write(os.path.join(tmp, "qemu-system-x86_64"),
                         "#!/bin/sh\n# QEMU 10 from scripts/fetch-qemu, with its modules and firmware\n"
                         f"export QEMU_MODULE_DIR={qdir}/usr/lib/x86_64-linux-gnu/qemu\n"
                         f"exec {args.qemu_binary} -L {qdir}/usr/share/qemu \"$@\"\n", 0o755)
        wrapper = write(os.path.join(tmp, "vugpu"),
                        "#!/bin/sh\n# The build tree's daemon and plugins (libvirt clears the environment);\n"
                        "# its log with the artifacts (libvirt keeps none)\n"
                        f"export VUGPU_PLUGIN_PATH={args.plugins}\n"
                        f"exec {args.vugpu} \"$@\" 2>>{args.artifacts}/vugpu.log\n", 0o755)
        os.makedirs(os.path.join(lv.root, "etc-qemu/vhost-user"))
        with open(args.descriptor) as f:
            installed = json.load(f)
        check(installed["type"] == "gpu" and installed["binary"].endswith("/libexec/vugpu/vugpu"),
              f"the build's descriptor is a gpu backend naming the installed daemon ({installed})")
        installed["binary"] = wrapper
        descriptor = write(os.path.join(lv.root, "etc-qemu/vhost-user", os.path.basename(args.descriptor)),
                           json.dumps(installed, indent=2) + "\n")
        check(os.path.basename(descriptor) < "50-qemu-gpu.json",
              f"{os.path.basename(descriptor)} sorts before QEMU's 50-qemu-gpu.json")
        t0 = time.monotonic()
        lv.start(args.timeout)
        log(f"   libvirtd up in {time.monotonic() - t0:.1f}s")
        run_domain(args, lv, tmp, emulator, kernel, initramfs, accel3d=False)
        if args.accel3d:
            run_domain(args, lv, tmp, emulator, kernel, initramfs, accel3d=True)
    finally:
        lv.stop()
        left = [p for p in lv.pids()] if lv.ns else []
        shutil.rmtree(tmp, ignore_errors=True)
    check(not left, f"no process of the test's libvirt is left ({left})")
    created = [d for d in lv.created_mountpoints if os.path.exists(d)]
    check(not created, f"the mount points the test created are gone ({created})")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vugpu", required=True, help="the daemon to run (the build tree's)")
    p.add_argument("--plugins", required=True, help="its plugin folder (VUGPU_PLUGIN_PATH)")
    p.add_argument("--descriptor", required=True, help="the build's 40-vugpu.json")
    p.add_argument("--accel3d", action="store_true", help="also a domain with accel3d='yes' (needs renderer.virgl)")
    p.add_argument("--initramfs", default=None, help="guest initramfs (default: tests/e2e/make-initramfs)")
    p.add_argument("--qemu-dir", default=os.environ.get("VUGPU_QEMU_DIR"))
    p.add_argument("--artifacts", default=None, help="screenshots, serial and libvirtd logs")
    p.add_argument("--timeout", type=float, default=90.0, help="seconds for each wait")
    args = p.parse_args()
    for name in ("vugpu", "plugins", "descriptor", "initramfs", "artifacts"):  # libvirt runs them from /
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    t0 = time.monotonic()
    try:
        run(args)
    except Skip as e:
        sys.exit(vmlib.skip_exit("test_libvirt", str(e), time.monotonic() - t0))
    except TestFailure as e:
        log(f"FAIL test_libvirt: {e}  (wall {time.monotonic() - t0:.1f}s)")
        sys.exit(vmlib.EXIT_FAIL)
    log(f"PASS test_libvirt  (wall {time.monotonic() - t0:.1f}s)")


if __name__ == "__main__":
    main()
