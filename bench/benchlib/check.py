"""The smoke test's judgement: every workload is there, and every backend that is installed
here ran it with numbers that could be true. Returns a list of complaints (empty = fine)."""
import math

from .plan import RESOLUTIONS, VUGPU_B6
from .windows import PRESENTERS

WORKLOADS = (["memcpy"] + [f"full-frame/{r}" for r in RESOLUTIONS] + ["small-damage", "round-trip", "churn", "startup"]
             + [f"blob-flush/{r}" for r in RESOLUTIONS] + ["idle"])

# field -> (low, high): inclusive sanity bounds, in the driver's units.
_BOUNDS = {
    "full-frame": {"rate": (0.01, 1e6), "cpu_s_per_present": (0, 10), "latency_ms_p50": (0.001, 10000),
                   "socket_bytes_per_present": (1, 1e10), "rss_bytes": (1, 1e11)},
    "small-damage": {"rate": (0.01, 1e7), "cpu_s_per_present": (0, 10), "latency_ms_p50": (0.0001, 10000)},
    "round-trip": {"flush_us_p50": (0.1, 1e7), "flush_us_p99": (0.1, 1e7),
                   "display_info_us_p50": (0.1, 1e7), "display_info_us_p99": (0.1, 1e7)},
    "churn": {"rate": (0.01, 1e8), "rss_before_bytes": (1, 1e11), "rss_after_bytes": (1, 1e11)},
    "startup": {"serve_ms_p50": (0.01, 10000), "listen_ms_p50": (0.01, 10000)},
    "blob-flush": {"fenced_flush_us_p50": (0.1, 1e7), "fenced_flush_us_p99": (0.1, 1e7), "cpu_s_per_frame": (0, 10)},
    "idle": {"idle_wakeups_per_s": (0, 1e6), "idle_cpu_ms_per_s": (0, 1e4)},
}


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# vugpu-bench-window (bench/window), per presenter that ran.
_WINDOW_BOUNDS = {"pixels_ms_p50": (0.001, 10000), "pixels_ms_p99": (0.001, 10000), "release_ms_p50": (0.001, 10000),
                  "presenter_cpu_ms_per_frame": (0, 10000), "xvfb_cpu_ms_per_frame": (0, 10000),
                  "idle_wakeups_per_s": (0, 1e6)}


def _check_windows(results):
    """Every windowed presenter ran (or was skipped for a stated reason), lost no frame, and the
    pixels checked after the clock stopped were the new frame's."""
    bad = []
    for name in PRESENTERS:
        r = results.get("windows", {}).get(name)
        if r is None:
            bad.append(f"window/{name}: missing")
        elif "skipped" in r:
            continue
        elif "error" in r:
            bad.append(f"window/{name}: failed: {r['error']}")
        else:
            for field, (low, high) in _WINDOW_BOUNDS.items():
                v = r.get(field)
                if not _number(v) or not low <= v <= high:
                    bad.append(f"window/{name}: {field} = {v!r}, expected a number in [{low}, {high}]")
            if r.get("frames_lost"):
                bad.append(f"window/{name}: {r['frames_lost']} frames never reached the window")
            if r.get("pixels_mismatched") or not r.get("pixels_checked"):
                bad.append(f"window/{name}: the window does not show the frame: {r.get('pixels_mismatch') or 'nothing checked'}")
    return bad


def check(results, require=()):
    bad = _check_windows(results)
    w = results.get("workloads", {})
    for key in WORKLOADS:
        wl = w.get(key)
        if wl is None:
            bad.append(f"{key}: missing")
            continue
        if "error" in wl and "backends" not in wl and "sizes" not in wl:
            bad.append(f"{key}: the driver failed: {wl['error']}")
            continue
        if key == "memcpy":
            for r in RESOLUTIONS:
                s = wl.get("sizes", {}).get(r)
                if not s or not _number(s.get("fps_one_copy")) or s["fps_one_copy"] <= 0:
                    bad.append(f"memcpy {r}: no sane fps_one_copy")
            continue
        kind = key.split("/")[0]
        backends = wl.get("backends", {})
        required = [v for name in require for v in (VUGPU_B6 if kind == "blob-flush" and name == "vugpu" else [name])]
        for name in required:
            if not backends.get(name, {}).get("ok"):
                bad.append(f"{key}: required backend {name} did not run: {backends.get(name, {}).get('error', 'absent')}")
        for name, b in backends.items():
            if not b.get("ok"):
                if not b.get("skipped"):
                    bad.append(f"{key}: {name} failed: {b.get('error')}")
                continue
            for field, (low, high) in _BOUNDS[kind].items():
                v = b.get(field)
                if not _number(v) or not low <= v <= high:
                    bad.append(f"{key}: {name}.{field} = {v!r}, expected a number in [{low}, {high}]")
            if kind == "full-frame":
                size = key.split("/")[1]
                frame = int(size.split("x")[0]) * int(size.split("x")[1]) * 4
                copied = b.get("copied_bytes_per_present")
                if copied is not None and not (_number(copied) and 0.5 * frame <= copied <= 10 * frame):
                    bad.append(f"{key}: {name} copied {copied!r} bytes per frame of {frame}")
                if name == "vugpu" and copied is None:
                    bad.append(f"{key}: vugpu's copy counter was not read ({b.get('copied_source')})")
            if kind == "blob-flush" and name in VUGPU_B6:
                # Functional, not timed: a blob frame is shown from the guest's pages (the device
                # copies nothing), and present.headless without snapshots copies nothing either.
                device, everything = b.get("device_bytes_copied_per_flush"), b.get("all_bytes_copied_per_flush")
                if "blob" in name and device != 0:
                    bad.append(f"{key}: {name}: the device copied {device!r} bytes per blob flush (expected 0)")
                if name == "vugpu-blob-headless" and everything != 0:
                    bad.append(f"{key}: {name}: {everything!r} bytes copied per flush (expected 0: no snapshots)")
            if kind == "blob-flush" and b.get("pixels_match") is not True:
                bad.append(f"{key}: {name}: the VMM does not show what the guest drew: {b.get('pixels_mismatch')}")
            if kind in ("full-frame", "small-damage"):
                if b.get("pixels_match") is not True:
                    bad.append(f"{key}: {name}: the VMM does not show what the guest drew: {b.get('pixels_mismatch')}")
                if b.get("display_protocol_errors"):
                    bad.append(f"{key}: {name}: {b['display_protocol_errors']} display protocol errors")
    return bad
