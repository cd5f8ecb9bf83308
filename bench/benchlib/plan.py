"""What bench/run runs: one vugpu-bench invocation per workload, with iteration counts sized so
the full run stays well under five minutes on a 2-core machine (each round of each backend
lasts a few tenths of a second, enough to swamp timer and scheduling noise), and a --quick set
that only proves every path works."""

RESOLUTIONS = ["1280x800", "1920x1080", "3840x2160"]

# Frames per round for B1, by resolution: about 0.3 s of QEMU's time per round.
_FRAMES = {"1280x800": 80, "1920x1080": 50, "3840x2160": 16}


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
        return plan
    plan = [("memcpy", ["memcpy", "--seconds=0.5"])]
    plan += [(f"full-frame/{r}", ["full-frame", f"--size={r}", "--rounds=9", f"--frames={_FRAMES[r]}", "--warmup=3"])
             for r in RESOLUTIONS]
    plan += [("small-damage", ["small-damage", "--rounds=9", "--updates=1500", "--warmup=50"]),
             ("round-trip", ["round-trip", "--rounds=7", "--samples=500", "--warmup=50"]),
             ("churn", ["churn", "--rounds=5", "--cycles=10000"]),
             ("startup", ["startup", "--rounds=7", "--starts=4"])]
    return plan
