"""What bench/run runs: one vugpu-bench invocation per workload, with iteration counts sized so
the full run stays well under five minutes on a 2-core machine (each round of each backend
lasts a few tenths of a second, enough to swamp timer and scheduling noise), and a --quick set
that only proves every path works."""

RESOLUTIONS = ["1280x800", "1920x1080", "3840x2160"]

# Frames per round for B1, by resolution: about 0.3 s of QEMU's time per round.
_FRAMES = {"1280x800": 80, "1920x1080": 50, "3840x2160": 16}

# B6 (vugpu-bench blob-flush, issue 9) runs vugpu in four configurations of its own next to
# QEMU's 2D path: a --backends=vugpu becomes these four (2D vs blob, present.vhost-user vs
# present.headless without snapshots).
VUGPU_B6 = ["vugpu-2d", "vugpu-blob", "vugpu-2d-headless", "vugpu-blob-headless"]


def backends_for(argv, backends):
    """The --backends value for one workload: B6's vugpu variants instead of `vugpu`."""
    if argv[0] != "blob-flush":
        return backends
    names = []
    for b in filter(None, backends.split(",")):
        names += VUGPU_B6 if b == "vugpu" else [b]
    return ",".join(names)


def workloads(quick):
    """[(key, [vugpu-bench arguments])] in the order they run."""
    if quick:
        plan = [("memcpy", ["memcpy", "--seconds=0.02", "--min-copies=3"])]
        plan += [(f"full-frame/{r}", ["full-frame", f"--size={r}", "--rounds=2", "--frames=2", "--warmup=1"])
                 for r in RESOLUTIONS]
        plan += [("small-damage", ["small-damage", "--rounds=2", "--updates=10", "--warmup=2"]),
                 ("round-trip", ["round-trip", "--rounds=2", "--samples=10", "--warmup=2"]),
                 ("churn", ["churn", "--rounds=2", "--cycles=20"]),
                 ("startup", ["startup", "--rounds=2", "--starts=1"])]
        plan += [(f"blob-flush/{r}", ["blob-flush", f"--size={r}", "--rounds=2", "--frames=2", "--warmup=1"])
                 for r in RESOLUTIONS]
        plan += [("idle", ["idle", "--seconds=0.2", "--settle-seconds=0.1"])]
        return plan
    plan = [("memcpy", ["memcpy", "--seconds=0.5"])]
    plan += [(f"full-frame/{r}", ["full-frame", f"--size={r}", "--rounds=9", f"--frames={_FRAMES[r]}", "--warmup=3"])
             for r in RESOLUTIONS]
    plan += [("small-damage", ["small-damage", "--rounds=9", "--updates=1500", "--warmup=50"]),
             ("round-trip", ["round-trip", "--rounds=7", "--samples=500", "--warmup=50"]),
             ("churn", ["churn", "--rounds=5", "--cycles=10000"]),
             ("startup", ["startup", "--rounds=7", "--starts=4"])]
    plan += [(f"blob-flush/{r}", ["blob-flush", f"--size={r}", "--rounds=7", f"--frames={_FRAMES[r]}", "--warmup=3"])
             for r in RESOLUTIONS]
    plan += [("idle", ["idle", "--seconds=5", "--settle-seconds=0.5"])]  # each backend in turn: ~17 s
    return plan
