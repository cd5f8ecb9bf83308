#!/usr/bin/env python3
"""e2e (virgl): glmark2's own output validation gives the same verdicts on vugpu --virgl as on
QEMU 10's built-in virtio-gpu-gl-pci — a differential test over 33 scenes.

`glmark2-es2-drm --validate` renders every default scene (textures, buffer map/subdata, FBO
effects, shaders with loops and conditionals, ...) and reads pixels back in the guest
(glReadPixels -> TRANSFER_FROM_HOST_3D) to compare with its expectations. Here many verdicts are
"Failure" on both devices (the expectations assume other sizes/drivers than a fullscreen
1280x800 llvmpipe behind virgl), so the reference is not glmark2's table but QEMU's own virgl
device with the same guest, the same virglrenderer and the same llvmpipe: every scene must get
the same verdict from both, and the scenes that succeed on QEMU's device (5 measured) must
exist: two devices failing every scene are no match. Needs Xvfb for QEMU's device (it requires a
GL display): without it the test skips, which VUGPU_STRICT_SKIPS=1 turns into a failure.
"""
import os
import re

import virgllib
import vmlib
from virgllib import check, log

ARGS = "vugpu.glmark2=--validate,--visual-config,alpha=0"
MIN_SUCCESS = 5  # scenes QEMU's own virtio-gpu-gl validates as Success here (measured: 5)


def verdicts(vm, timeout):
    text, gt, host = vm.wait_marker("glmark2 exited", timeout)
    found = re.findall(r"^\[(\w+)\] (.*): Validation: (\w+)\s*$", vm.serial().replace("\r", ""), re.M)
    return text, [(f"[{scene}] {opts}", verdict) for scene, opts, verdict in found]


def run(args):
    virgllib.prepare(args)
    with vmlib.Session(args, "glmark2-validate") as s:
        if not os.access("/usr/bin/glmark2-es2-drm", os.X_OK):
            raise vmlib.Skip("no glmark2-es2-drm on the host (apt-get install glmark2-es2-drm)")
        s.start_backend()
        vm = s.start_vm("glmark2", name="vugpu", mem_mb=args.mem, append=[ARGS], extra_args=args.qemu_arg)
        virgllib.boot_marks(s, vm, args.timeout)
        text, ours = verdicts(vm, args.validate_timeout)
        s.timing(f"vugpu: glmark2 --validate done ({text})", vm.elapsed())
        renderer = virgllib.serial_lines(vm, r"GL_RENDERER:")
        check(renderer and "virgl" in renderer[0], f"vugpu: {renderer[0].strip() if renderer else 'no GL_RENDERER'}")
        vm.kill()
        s.vms.remove(vm)

        x = virgllib.Xvfb(os.path.join(s.artifacts, "xvfb.log"))
        s.backends.append(x)
        ref_vm = virgllib.start_builtin_vm(s, x.display, "glmark2", name="qemu-gl", mem_mb=args.mem,
                                           append=[ARGS])
        virgllib.boot_marks(s, ref_vm, args.timeout)
        text, ref = verdicts(ref_vm, args.validate_timeout)
        s.timing(f"qemu-gl: glmark2 --validate done ({text})", ref_vm.elapsed())

        def counts(v):
            c = {}
            for _, verdict in v:
                c[verdict] = c.get(verdict, 0) + 1
            return c
        log(f"   vugpu:   {counts(ours)}")
        log(f"   qemu-gl: {counts(ref)}")
        check(len(ref) >= 30, f"reference run validated {len(ref)} scenes (>= 30)")
        # Equal verdicts alone would pass two devices that fail every scene (or a guest whose
        # read-back is broken on both): the scenes glmark2 validates here on QEMU's device
        # (5 measured: build, texture, shading...) must succeed, on both.
        ok_ref, ok_ours = counts(ref).get("Success", 0), counts(ours).get("Success", 0)
        check(ok_ref >= MIN_SUCCESS, f"QEMU's built-in virgl: {ok_ref} scenes validated Success "
                                     f"(>= {MIN_SUCCESS}: the guest's read-back works)")
        check(ok_ours >= MIN_SUCCESS, f"vugpu: {ok_ours} scenes validated Success (>= {MIN_SUCCESS})")
        check([n for n, _ in ours] == [n for n, _ in ref], f"vugpu validated the same {len(ours)} scenes")
        diff = [(n, a, b) for (n, a), (_, b) in zip(ours, ref) if a != b]
        for n, a, b in diff:
            log(f"   DIFFERENT {n}: vugpu {a}, qemu-gl {b}")
        check(not diff, f"every scene's verdict equals QEMU's built-in virgl ({len(diff)} differ; "
                        f"{counts(ours).get('Success', 0)} Success on both)")
        s.timing("test wall", s.wall())


def extra(p):
    virgllib.add_args(p)
    p.add_argument("--validate-timeout", type=float, default=180,
                   help="seconds for one glmark2 --validate run (default 180)")


if __name__ == "__main__":
    vmlib.main(run, __doc__, extra)
