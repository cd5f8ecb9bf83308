#!/usr/bin/env python3
"""e2e: two scanouts (max_outputs=2) both reach the VMM, each with its own mode and content.

The guest forces its second connector on (video=Virtual-2:<mode>e: QEMU reports only output 0
as connected while no UI enables more) and sets a different mode on each output.

Default: one framebuffer per output (two modetest processes). Asserts: QMP screendump of head 0
and head 1 are both real content, each of the size of its output's mode (different sizes, so the
heads cannot be confused), each showing the SMPTE pattern of its own framebuffer pixel-exact.

--shared-fb: ONE framebuffer as wide as both modes (W0+W1 x max(H0,H1), a single modetest with
two -s), scanned out at x=0 on output 0 and at x=W0 on output 1: head 1 must show the pattern's
right part, which checks that SET_SCANOUT's rectangle offset is honoured. (QEMU 10's own
vhost-user-gpu fails this: its VHOST_USER_GPU_UPDATE carries resource coordinates, not scanout
coordinates, so QEMU clips the update away and head 1 stays black.)
"""
import test_modetest
import vmlib
from vmlib import check, log

SECOND_MODE = "1024x768"


def extra(p):
    p.add_argument("--shared-fb", action="store_true",
                   help="one framebuffer spanning both outputs (checks scanout offsets)")


def run(args):
    name = "dual_output_shared_fb" if args.shared_fb else "dual_output"
    with vmlib.Session(args, name) as s:
        s.start_backend()
        vm = s.start_vm("dual-shared" if args.shared_fb else "dual", max_outputs=2,
                        append=[f"video=Virtual-2:{SECOND_MODE}e"])
        s.boot_timings(vm)
        if args.shared_fb:
            modes = [test_modetest.parse_mode(vm, args.timeout, n) for n in (0, 1)]
            fb_w, fb_h = modes[0][0] + modes[1][0], max(modes[0][1], modes[1][1])
            log(f"   modetest framebuffer {fb_w}x{fb_h}; head 0 shows x=0.., head 1 shows x={modes[0][0]}..")
            fbs = [(fb_w, fb_h, (0, 0) + modes[0]), (fb_w, fb_h, (modes[0][0], 0) + modes[1])]
        else:
            # two modetest processes; the second starts once the first has set output 0
            starts = vm.wait_markers("modetest started", 2, args.timeout)
            modes = [test_modetest.parse_mode_text(t, what=f"output {i}")
                     for i, t in enumerate(starts[:2])]
            fbs = [(w, h, None) for (w, h) in modes]
        _, gt, host = vm.wait_marker("scenario running", args.timeout)
        s.timing("scenario running", host, gt)
        check(modes[0] != modes[1], f"the two outputs use different modes {modes}")
        for head, (w, h) in enumerate(modes):
            fb_w, fb_h, view = fbs[head]
            img, t = test_modetest.wait_smpte(vm, args.timeout, fb_w, fb_h, head=head, view=view,
                                              size=(w, h))
            s.timing(f"head {head}: the whole pattern on screen", t)
            img.save_png(f"{s.artifacts}/{name}-head{head}.png")
            log(f"   head {head}: {img.summary()}  -> {s.artifacts}/{name}-head{head}.png")
            check(not vmlib.is_placeholder(img), f"head {head} is not QEMU's placeholder")
            check((img.width, img.height) == (w, h),
                  f"head {head} size {img.width}x{img.height} == mode {w}x{h}")
            test_modetest.check_smpte(img, fb_w, fb_h, f"head {head}", view)
        s.timing("test wall", s.wall())


if __name__ == "__main__":
    vmlib.main(run, __doc__, extra)
