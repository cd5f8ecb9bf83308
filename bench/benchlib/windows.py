"""The windowed presenters (issue 10): bench/window's vugpu-bench-window, once per presenter under
its own private Xvfb, its table beside the others, present.vhost-user's row taken from B1's
1080p figures of the same run (not measured twice)."""
import json
import pathlib
import subprocess

# What runs, each under its own Xvfb: (name in the table and the JSON, plugin, extra arguments,
# extra environment, what the table says about it). present.sdl's default (on a host without a
# GPU: SDL's software renderer drawing straight into the X window, since its OpenGL would be
# llvmpipe) and, beside it, SDL's OpenGL renderer named explicitly (llvmpipe here): what the
# default saves.
VARIANTS = [
    ("present.sdl", "present.sdl", [], {}, "default options (no GPU: SDL's software renderer)"),
    ("present.gtk", "present.gtk", [], {}, "default options"),
    ("present.sdl/opengl", "present.sdl", ['--option=renderer = "opengl"'], {},
     'renderer = "opengl" (llvmpipe without a GPU)'),
]
PRESENTERS = [v[0] for v in VARIANTS]
_WHAT = {v[0]: v[4] for v in VARIANTS}
SKIP = 77  # vugpu-bench-window: the presenter is not built or Xvfb is missing
SIZE = "1920x1080"


def plan(quick):
    """[(name, [vugpu-bench-window arguments], extra environment)]."""
    if quick:  # every path once: a few frames, every one pixel-checked, a short idle
        args = ["--frames=3", "--warmup=1", "--idle-seconds=0.2", "--settle-ms=200", "--verify-every=1"]
    else:
        args = ["--frames=300", "--warmup=10", "--idle-seconds=5", "--settle-ms=500", "--verify-every=10"]
    return [(name, [f"--presenter={plugin}", f"--size={SIZE}"] + extra + args, env)
            for name, plugin, extra, env, _ in VARIANTS]


def run(binary, argv, env, extra_env):
    """One presenter's JSON, or {"skipped": why} / {"error": what}."""
    if not pathlib.Path(binary).exists():
        return {"skipped": f"{binary} is not built (it needs present.sdl or present.gtk, X11, XDamage "
                           "(libxdamage-dev) and the window tests' helpers in this build)"}
    try:
        r = subprocess.run([str(binary)] + argv, env=dict(env, **extra_env), text=True, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 120 s: " + " ".join(argv)}
    if r.returncode == SKIP:
        why = next((l for l in r.stderr.splitlines() if l.startswith("SKIPPED:")), "SKIPPED: ?")
        return {"skipped": why.split(":", 1)[1].strip()}
    if r.returncode != 0:
        return {"error": f"exit {r.returncode}: {r.stderr.strip()}"}
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError as e:
        return {"error": f"bad JSON ({e}): {r.stdout[:500]}"}


def _ms(v, fmt="{:.2f}"):
    return "—" if v is None else fmt.format(v)


def rows(results):
    """One row per presenter: what the markdown table shows and the JSON keeps."""
    out = []
    for name in PRESENTERS:
        r = results.get("windows", {}).get(name)
        if r is None:
            continue
        if "skipped" in r or "error" in r:
            out.append({"presenter": name, "note": ("skipped: " + r["skipped"]) if "skipped" in r
                        else "failed: " + (r["error"].splitlines() or ["?"])[0]})
            continue
        out.append({"presenter": name, "latency": "flush → pixels in the window (X DAMAGE)",
                    "p50_ms": r.get("pixels_ms_p50"), "p99_ms": r.get("pixels_ms_p99"),
                    "release_p50_ms": r.get("release_ms_p50"),
                    "cpu_ms_per_frame": r.get("presenter_cpu_ms_per_frame"),
                    "xvfb_cpu_ms_per_frame": r.get("xvfb_cpu_ms_per_frame"),
                    "idle_wakeups_per_s": r.get("idle_wakeups_per_s"),
                    "note": _WHAT[name] + ("" if r.get("ok") else f"; {r.get('frames_lost')} frames lost, "
                                                                f"{r.get('pixels_mismatched')} pixel checks failed")})
    b1, b7 = _vugpu(results, f"full-frame/{SIZE}"), _vugpu(results, "idle")
    if b1 or b7:
        cpu = (b1 or {}).get("cpu_s_per_present")
        out.append({"presenter": "present.vhost-user", "latency": "flush → the VMM holds the UPDATE (B1)",
                    "p50_ms": (b1 or {}).get("latency_ms_p50"), "p99_ms": (b1 or {}).get("latency_ms_p99"),
                    "release_p50_ms": None, "cpu_ms_per_frame": None if cpu is None else cpu * 1e3,
                    "xvfb_cpu_ms_per_frame": None, "idle_wakeups_per_s": (b7 or {}).get("idle_wakeups_per_s"),
                    "note": "B1's and B7's figures: frames back to back, CPU of the whole backend (transfer included)"})
    return out


def _vugpu(results, workload):
    """vugpu's figures of a driver workload of the same run (default config: present.vhost-user)."""
    b = ((results.get("workloads", {}).get(workload) or {}).get("backends") or {}).get("vugpu")
    return b if b and b.get("ok") else None


def targets(results):
    """Issue 10: an idle guest costs no wake-ups of the presenter's threads (present.vhost-user:
    of the whole backend, B7)."""
    out = []
    b7 = _vugpu(results, "idle")
    if b7 and b7.get("idle_wakeups_per_s") is not None:
        v, n = b7["idle_wakeups_per_s"], b7.get("idle_context_switches")
        seconds = ((results["workloads"].get("idle") or {}).get("params") or {}).get("seconds", "?")
        out.append({"target": "present.vhost-user (B7): 0 wake-ups per second of the backend while the guest is idle",
                    "met": v == 0, "detail": f"{v:.2f}/s ({n} in {seconds} s)"})
    for name in PRESENTERS:
        r = results.get("windows", {}).get(name) or {}
        v = r.get("idle_wakeups_per_s")
        if "skipped" in r or "error" in r or v is None:
            continue
        out.append({"target": f"{name}: 0 wake-ups per second while the guest is idle", "met": v == 0,
                    "detail": f"{v:.1f}/s over {r['params']['idle_seconds']} s, {r.get('idle_redraws')} redraws"})
    return out


def markdown(results, table):
    if not table:
        return []
    lines = ["", f"## Windows (issue 10): {SIZE} XRGB8888 full frames", "",
             "| presenter | latency measured | p50 ms | p99 ms | flush → release p50 ms | presenter CPU per frame ms "
             "| Xvfb CPU per frame ms | idle wake-ups/s | note |", "|---|---|---|---|---|---|---|---|---|"]
    for r in table:
        if "latency" not in r:
            lines.append(f"| {r['presenter']} | — | — | — | — | — | — | — | {r['note']} |")
            continue
        lines.append(f"| {r['presenter']} | {r['latency']} | {_ms(r['p50_ms'])} | {_ms(r['p99_ms'])} | "
                     f"{_ms(r['release_p50_ms'])} | {_ms(r['cpu_ms_per_frame'], '{:.3f}')} | "
                     f"{_ms(r['xvfb_cpu_ms_per_frame'], '{:.3f}')} | {_ms(r['idle_wakeups_per_s'], '{:.1f}')} | "
                     f"{r['note']} |")
    lines += ["", "Windows: one frame at a time, 20 ms apart (a guest at ~50 fps), each under a private Xvfb "
              "(bench/window). Flush → pixels: from present() until the X server reports (DAMAGE, raw "
              "rectangles) drawing that covers the whole window and its centre pixel is the new frame's, i.e. "
              "its copy of the window holds the new frame; every 10th frame is pixel-checked afterwards. Presenter CPU: every thread of the presenter plus "
              "its present() call on the device loop's thread; Xvfb's CPU separately. Idle wake-ups: context "
              "switches of the presenter's threads over the idle period with no frames."]
    return lines

