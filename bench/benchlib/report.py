"""From the driver's JSON to the table: rows, ratios, % of the memcpy limit, the targets."""
import statistics

BACKENDS = ["vugpu", "qemu-10.0", "qemu-7.2"]
PEER = "qemu-10.0"  # the ratio column compares vugpu with QEMU's current backend
CPU_TARGET = 0.67   # issue 8: the backend's CPU per full frame, vugpu / QEMU 10.0
B6_CPU_TARGET = 0.5         # issue 9: blob CPU per frame / vugpu's own 2D path (present.vhost-user)
B6_HEADLESS_P50_US = 100.0  # issue 9: blob + present.headless fenced flush p50 at 4K
MIB = 1 << 20


def _ok(workload, backend):
    b = (workload or {}).get("backends", {}).get(backend)
    return b if b and b.get("ok") else None


def _round_ratio(mine, theirs):
    """Median over rounds of mine[r] / theirs[r]: rounds ran back to back, so each ratio is
    taken under one machine load (the point of interleaving)."""
    pairs = [(a, b) for a, b in zip(mine or [], theirs or []) if a and b]
    return statistics.median(a / b for a, b in pairs) if pairs else None


def _row(label, better, unit, workload, field, scale=1.0, rounds_field=None, fmt="{:.1f}"):
    values, cells = {}, {}
    for b in BACKENDS:
        r = _ok(workload, b)
        if r is None or r.get(field) is None:
            values[b] = None
            cells[b] = _why_missing(workload, b)
            continue
        values[b] = r[field] * scale
        cells[b] = fmt.format(values[b])
    ratio, how = None, None
    mine, peer = _ok(workload, "vugpu"), _ok(workload, PEER)
    if mine and peer:
        if rounds_field:
            ratio, how = _round_ratio(mine.get(rounds_field), peer.get(rounds_field)), "median of per-round ratios"
        elif values["vugpu"] is not None and values[PEER]:
            ratio, how = values["vugpu"] / values[PEER], "whole run"
    return {"workload": label, "unit": unit, "better": better, "values": values, "cells": cells,
            "ratio": ratio, "ratio_how": how, "limit_pct": None}


def _why_missing(workload, backend):
    if workload is None:
        return "—"
    if "error" in workload and "backends" not in workload:
        return "failed"
    b = workload.get("backends", {}).get(backend)
    if b is None:
        return "—"
    return "n/a" if b.get("skipped") else "failed"


def _b6_row(label, better, unit, workload, field, variant, scale=1.0, rounds_field=None, fmt="{:.1f}", peers=True):
    """A B6 row: the vugpu column is one of vugpu's configurations (plan.VUGPU_B6); the peer
    columns are QEMU's 2D path where the row compares like with like (present.vhost-user), else
    "—". The ratio is vugpu ÷ QEMU 10.0 as everywhere in the table."""
    values, cells = {}, {}
    for b in BACKENDS:
        name = variant if b == "vugpu" else b
        r = _ok(workload, name) if (b == "vugpu" or peers) else None
        if r is None or r.get(field) is None:
            values[b] = None
            cells[b] = _why_missing(workload, name) if (b == "vugpu" or peers) and r is None else "—"
            continue
        values[b] = r[field] * scale
        cells[b] = fmt.format(values[b])
    ratio, how = None, None
    mine, peer = _ok(workload, variant), _ok(workload, PEER) if peers else None
    if mine and peer:
        if rounds_field:
            ratio, how = _round_ratio(mine.get(rounds_field), peer.get(rounds_field)), "median of per-round ratios"
        elif values["vugpu"] is not None and values[PEER]:
            ratio, how = values["vugpu"] / values[PEER], "whole run"
    return {"workload": label, "unit": unit, "better": better, "values": values, "cells": cells,
            "ratio": ratio, "ratio_how": how, "limit_pct": None, "variant": variant}


def _b6_rows(size, wl):
    """B6 (issue 9): a full-frame flush of a blob scanout; the 2D figures of vugpu are in the
    JSON and in the targets (blob vs vugpu's own 2D path)."""
    frame_bytes = int(size.split("x")[0]) * int(size.split("x")[1]) * 4
    return [
        _b6_row(f"B6 {size} blob fenced flush p50 (present.vhost-user; QEMU: 2D)", "lower", "µs", wl,
                "fenced_flush_us_p50", "vugpu-blob", rounds_field="p50_us_rounds", fmt="{:.0f}"),
        _b6_row(f"B6 {size} blob backend CPU per frame (present.vhost-user; QEMU: 2D)", "lower", "ms", wl,
                "cpu_s_per_frame", "vugpu-blob", 1e3, rounds_field="cpu_ms_per_frame_rounds", fmt="{:.3f}"),
        _b6_row(f"B6 {size} blob pixel copies in the device per flush", "lower", "frame sizes", wl,
                "device_bytes_copied_per_flush", "vugpu-blob", 1.0 / frame_bytes, fmt="{:.2f}", peers=False),
        _b6_row(f"B6 {size} blob fenced flush p50, present.headless (no snapshots)", "lower", "µs", wl,
                "fenced_flush_us_p50", "vugpu-blob-headless", fmt="{:.0f}", peers=False),
        _b6_row(f"B6 {size} blob fenced flush p99, present.headless (no snapshots)", "lower", "µs", wl,
                "fenced_flush_us_p99", "vugpu-blob-headless", fmt="{:.0f}", peers=False),
        _b6_row(f"B6 {size} blob backend CPU per frame, present.headless (no snapshots)", "lower", "ms", wl,
                "cpu_s_per_frame", "vugpu-blob-headless", 1e3, fmt="{:.3f}", peers=False),
    ]


def _b6_targets(results, add):
    """Issue 9's targets for B6: no device copy of a blob frame; blob CPU <= 0.5x vugpu's own 2D
    path at 1080p and 4K (present.vhost-user); blob + present.headless fenced flush p50 <= 100 µs
    at 4K, >= 10x faster than the 2D path there."""
    for key, wl in sorted(results["workloads"].items()):
        if not key.startswith("blob-flush/"):
            continue
        size = key.split("/")[1]
        blobs = [(n, _ok(wl, n)) for n in ("vugpu-blob", "vugpu-blob-headless")]
        copied = [(n, b.get("device_bytes_copied_per_flush")) for n, b in blobs if b]
        known = [c for _, c in copied if c is not None]
        add(f"B6 {size}: 0 bytes copied by the device per blob flush",
            None if not known else all(c == 0 for c in known),
            "n/a" if not known else "; ".join(f"{n}: {c:.0f} B" for n, c in copied if c is not None))
        blob, twod = _ok(wl, "vugpu-blob"), _ok(wl, "vugpu-2d")
        if size in ("1920x1080", "3840x2160"):
            a, b = (blob or {}).get("cpu_s_per_frame"), (twod or {}).get("cpu_s_per_frame")
            add(f"B6 {size}: blob backend CPU per frame <= {B6_CPU_TARGET}x vugpu's 2D path (present.vhost-user)",
                None if not a or not b else a / b <= B6_CPU_TARGET,
                "n/a" if not a or not b else f"{a / b:.2f}x ({a * 1e3:.3f} vs {b * 1e3:.3f} ms)")
        if size == "3840x2160":
            hb, h2 = _ok(wl, "vugpu-blob-headless"), _ok(wl, "vugpu-2d-headless")
            p = (hb or {}).get("fenced_flush_us_p50")
            q = (h2 or {}).get("fenced_flush_us_p50")
            add(f"B6 {size}: blob + present.headless fenced flush p50 <= {B6_HEADLESS_P50_US:.0f} µs",
                None if p is None else p <= B6_HEADLESS_P50_US, "n/a" if p is None else f"{p:.0f} µs")
            add(f"B6 {size}: blob + present.headless p50 >= 10x faster than the 2D path (present.headless)",
                None if not p or not q else q / p >= 10, "n/a" if not p or not q else f"{q / p:.1f}x ({p:.0f} vs {q:.0f} µs)")


def build_rows(results):
    w = results["workloads"]
    limit = (w.get("memcpy") or {}).get("sizes", {})
    rows = []
    for key in sorted((k for k in w if k.startswith("full-frame/")), key=lambda k: int(k.split("/")[1].split("x")[0])):
        size = key.split("/")[1]
        wl = w[key]
        frame_bytes = int(size.split("x")[0]) * int(size.split("x")[1]) * 4
        # The headline: what the backend process itself spends per frame (all its threads).
        rows.append(_row(f"B1 {size} backend CPU per frame", "lower", "ms", wl, "cpu_s_per_present", 1e3,
                         rounds_field="cpu_ms_per_present_rounds", fmt="{:.2f}"))
        fps = _row(f"B1 {size} full frames", "higher", "frames/s", wl, "rate", rounds_field="rate_rounds")
        one_copy = (limit.get(size) or {}).get("fps_one_copy")
        if one_copy:
            fps["limit_pct"] = {b: (v / one_copy * 100 if v is not None else None) for b, v in fps["values"].items()}
            for b, v in fps["values"].items():
                if v is not None:
                    fps["cells"][b] += f" ({fps['limit_pct'][b]:.0f} %)"
        rows.append(fps)
        rows.append(_row(f"B1 {size} pixel copies in the backend's code", "lower", "frame sizes", wl,
                         "device_copied_bytes_per_present", 1.0 / frame_bytes, fmt="{:.2f}"))
    for key in sorted((k for k in w if k.startswith("blob-flush/")), key=lambda k: int(k.split("/")[1].split("x")[0])):
        rows += _b6_rows(key.split("/")[1], w[key])
    wl = w.get("small-damage")
    rows.append(_row("B2 64x64 damage on 1080p", "higher", "updates/s", wl, "rate", rounds_field="rate_rounds", fmt="{:.0f}"))
    rows.append(_row("B2 backend CPU per update", "lower", "µs", wl, "cpu_s_per_present", 1e6, fmt="{:.1f}"))
    wl = w.get("round-trip")
    rows.append(_row("B3 fenced 1x1 RESOURCE_FLUSH p50", "lower", "µs", wl, "flush_us_p50", rounds_field="flush_us_p50_rounds", fmt="{:.0f}"))
    rows.append(_row("B3 fenced 1x1 RESOURCE_FLUSH p99", "lower", "µs", wl, "flush_us_p99", fmt="{:.0f}"))
    rows.append(_row("B3 GET_DISPLAY_INFO p50", "lower", "µs", wl, "display_info_us_p50", rounds_field="display_info_us_p50_rounds", fmt="{:.0f}"))
    rows.append(_row("B3 GET_DISPLAY_INFO p99", "lower", "µs", wl, "display_info_us_p99", fmt="{:.0f}"))
    wl = w.get("churn")
    rows.append(_row("B4 CREATE_2D+ATTACH+UNREF churn", "higher", "cycles/s", wl, "rate", rounds_field="rate_rounds", fmt="{:.0f}"))
    rows.append(_row("B4 backend RSS (anon) before churn", "lower", "MiB", wl, "rss_before_bytes", 1.0 / MIB, fmt="{:.2f}"))
    rows.append(_row("B4 backend RSS (anon) after churn", "lower", "MiB", wl, "rss_after_bytes", 1.0 / MIB, fmt="{:.2f}"))
    wl = w.get("startup")
    rows.append(_row("B5 start-up to first reply, p50", "lower", "ms", wl, "serve_ms_p50", rounds_field="serve_ms_p50_rounds", fmt="{:.1f}"))
    wl = w.get("idle")
    rows.append(_row("B7 idle guest (1080p shown, no frames): backend wake-ups", "lower", "1/s", wl, "idle_wakeups_per_s"))
    return rows


def targets(results, rows):
    """The issue's targets, each {"target", "met": True/False/None, "detail"}."""
    by = {r["workload"]: r for r in rows}
    out = []

    def add(name, met, detail):
        out.append({"target": name, "met": met, "detail": detail})

    for r in rows:
        w = r["workload"]
        if w.startswith("B1 ") and w.endswith(" backend CPU per frame"):
            size = w.split()[1]
            ratio = r["ratio"]
            add(f"B1 {size}: backend CPU per frame <= {CPU_TARGET}x QEMU 10.0", None if ratio is None else ratio <= CPU_TARGET,
                "no ratio" if ratio is None else f"{ratio:.2f}x ({r['cells']['vugpu']} vs {r['cells'][PEER]} ms)")
        if w.startswith("B1 ") and w.endswith(" full frames"):
            size = w.split()[1]
            ratio = r["ratio"]
            add(f"B1 {size}: frames/s >= QEMU 10.0", None if ratio is None else ratio >= 1.0,
                "no ratio" if ratio is None else f"{ratio:.2f}x")
    for name in ("B3 fenced 1x1 RESOURCE_FLUSH p50", "B3 GET_DISPLAY_INFO p50"):
        r = by.get(name)
        v, p = (r["values"]["vugpu"], r["values"][PEER]) if r else (None, None)
        add(f"{name} no worse than QEMU 10.0", None if v is None or p is None else v <= p,
            "n/a" if v is None or p is None else f"{v:.0f} vs {p:.0f} µs")
    _b6_targets(results, add)
    churn = _ok(results["workloads"].get("churn"), "vugpu")
    growth = churn and churn.get("rss_growth_bytes")
    add(f"B4 backend RSS (anon) after {churn['cycles'] if churn else '?'} cycles within 1 MiB of before",
        None if growth is None else growth <= MIB, "n/a" if growth is None else f"{growth / 1024:+.0f} KiB")
    return out


def markdown(results, rows, goals):
    m = results["meta"]
    lines = [f"# vugpu vs QEMU's vhost-user-gpu — {m['date']}", ""]
    if not m.get("valid", True):
        lines += [f"**INVALID RECORD: {m.get('invalid_reason', '?')}** (bench/run --allow-load). Ratios are taken per "
                  "round and survive some load; absolute figures do not.", ""]
    mc = m.get("machine", {})
    lines += [f"Commit `{m['commit']}` · {m['cpu']} · {m['cores']} cores · {mc.get('mem_gib', '?')} GiB · kernel {m['kernel']} · "
              f"memcpy {mc.get('memcpy_gb_per_s', '?')} GB/s (64 MiB, fastest copy, before the run) · load average {m['load_before']} before, "
              f"{m['load_after']} after · other processes' CPU during the run: {mc.get('foreign_cpu_max', '?')} of the machine at most "
              f"(per workload) · net.core.wmem_max {mc.get('wmem_max', '?')} · THP {mc.get('thp', '?')} · "
              f"run took {m['seconds']:.0f} s{' · **--quick (smoke numbers, not measurements)**' if m['quick'] else ''}",
              "", "Backends: " + "; ".join(f"{k}: {v}" for k, v in m["backends"].items()), "",
             f"Ratio = vugpu ÷ QEMU 10.0 (median of per-round ratios where rounds exist: backends take turns, "
             f"A B A B …). % = share of this machine's one-copy limit (a frame-sized memcpy, measured in this run).", "",
             "| workload | unit | vugpu | peer 10.0 | peer 7.2 | ratio | % of limit |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}× ({'↑' if r['better'] == 'higher' else '↓'} better)"
        pct = "—"
        if r["limit_pct"] and r["limit_pct"].get("vugpu") is not None:
            pct = f"{r['limit_pct']['vugpu']:.0f} %"
        lines.append(f"| {r['workload']} | {r['unit']} | {r['cells']['vugpu']} | {r['cells'][PEER]} | "
                     f"{r['cells']['qemu-7.2']} | {ratio} | {pct} |")
    limit = (results["workloads"].get("memcpy") or {}).get("sizes", {})
    if limit:
        lines += ["", "**The limit** (memcpy of one frame, median): " + "; ".join(
            f"{s}: {v['copy_ms_p50']:.2f} ms = {v['gb_per_s']:.1f} GB/s = {v['fps_one_copy']:.0f} frames/s at one copy"
            for s, v in limit.items())]
    lines += ["", "## Targets", "", "| target | met | measured |", "|---|---|---|"]
    for g in goals:
        met = {True: "yes", False: "**no**", None: "n/a"}[g["met"]]
        lines.append(f"| {g['target']} | {met} | {g['detail']} |")
    problems = []
    for key, wl in results["workloads"].items():
        if "error" in wl and "backends" not in wl:
            problems.append(f"- {key}: driver failed: {wl['error'].splitlines()[0] if wl['error'] else '?'}")
            continue
        for b, r in wl.get("backends", {}).items():
            if not r.get("ok"):
                first = (r.get("error") or "").splitlines()[0] if r.get("error") else "?"
                problems.append(f"- {key} / {b}: {'not installed' if r.get('skipped') else 'failed'}: {first}")
            elif r.get("pixels_match") is False:
                problems.append(f"- {key} / {b}: the VMM's surface differs from the guest's framebuffer: {r.get('pixels_mismatch')}")
    if problems:
        lines += ["", "## Not measured / problems", ""] + problems
    lines += ["", "CPU (the headline): the backend process's own CPU time (all threads, /proc/PID/task/*/schedstat, ns) "
              "per frame; the ratio is the median of per-round ratios (backends take turns). The stand-in VMM's receive "
              "and compose are not in it (they are in the JSON: vmm_cpu_s_per_present); frames/s are wall-clock and "
              "do include the VMM's receive and compose, the same code for every backend. "
              "Pixel copies in the backend's code: vugpu: its own counter (the renderer's transfer copy; "
              "device_bytes_copied); QEMU: a MODEL of its code (transfer into the pixman image + composite into the "
              "message, bench/driver/copy_model.hpp). Neither includes the socket: QEMU's sendmsg() copies every "
              "byte into the kernel; vugpu splices UPDATEs of 256 KiB and more by reference (only a 4 KiB tail is "
              "copied); the frame is released only once the VMM has read them. "
              "B6: vugpu's blob path (blob.guest: the guest's pages shown in place) in the vugpu column, QEMU's "
              "2D path in the peer columns where both show on the VMM's console; vugpu's own 2D path and all "
              "four configurations are in the JSON (workloads.blob-flush/SIZE) and in the targets. "
              "RSS (anon): RssAnon, the backend's own memory; VmRSS also counts the guest RAM pages the backend "
              "has touched (RssShmem), which is the guest's memory (both are in the JSON).", ""]
    return "\n".join(lines)
