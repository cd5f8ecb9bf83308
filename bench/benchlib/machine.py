"""The machine a record was taken on, and whether it was quiet enough to be a record.

A benchmark figure means little without the machine: memcpy bandwidth alone differed 7x between
two machines of this project (FACTS.md). So every record carries the CPU model, cores, memory,
kernel, a memcpy bandwidth measured just before the run, the socket-buffer ceiling and THP mode
(vugpu's UPDATE path depends on both), the load average, and what other processes used of the
CPUs while each workload ran (/proc/stat busy time minus this run's own processes)."""
import os
import platform
import resource
import subprocess
import time

# A record is refused (or, with --allow-load, marked invalid) when, before the run, the 1-minute
# load average is above this, or other processes use more than FOREIGN_MAX of the machine's CPU
# time, before or during any workload.
LOAD_MAX = 1.0
FOREIGN_MAX = 0.15


def _read(path, default="?"):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def _cpu_model():
    for line in _read("/proc/cpuinfo", "").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _mem_gib():
    for line in _read("/proc/meminfo", "").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / (1 << 20), 1)
    return "?"


def _thp():
    mode = _read("/sys/kernel/mm/transparent_hugepage/enabled")
    return mode.split("[", 1)[1].split("]", 1)[0] if "[" in mode else mode


def _stat_jiffies():
    """(busy, total) jiffies of all CPUs; busy includes steal (time the host gave to others)."""
    f = [int(x) for x in _read("/proc/stat", "cpu 0").splitlines()[0].split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    total = sum(f[:8])
    return total - idle, total


def _own_cpu_seconds():
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    s = resource.getrusage(resource.RUSAGE_SELF)
    return c.ru_utime + c.ru_stime + s.ru_utime + s.ru_stime


class ForeignMeter:
    """Share of the machine's CPU time used by processes other than this run's, between start()
    and stop(): 0 = nobody else, 1 = every core busy with other work. This run's own processes
    count once they have been waited for (the driver reaps its backends, bench/run the driver)."""

    def start(self):
        self.busy0, self.total0 = _stat_jiffies()
        self.own0 = _own_cpu_seconds()

    def stop(self):
        busy, total = _stat_jiffies()
        hz = os.sysconf("SC_CLK_TCK")
        d_total = total - self.total0
        if d_total <= 0:
            return 0.0
        foreign = (busy - self.busy0) / hz - (_own_cpu_seconds() - self.own0)
        return max(0.0, foreign * hz / d_total)


def foreign_now(seconds=2.0):
    m = ForeignMeter()
    m.start()
    time.sleep(seconds)
    return m.stop()


def memcpy_gb_per_s(driver):
    """64 MiB memcpy bandwidth from the fastest of many copies (vugpu-bench memcpy): the machine's
    memory, not how often another process took the CPU away in the middle of a copy."""
    try:
        r = subprocess.run([driver, "memcpy", "--sizes=4096x4096", "--seconds=0.3"], text=True,
                           capture_output=True, timeout=60)
        import json
        size = json.loads(r.stdout)["sizes"]["4096x4096"]
        return round(size["frame_bytes"] / (size["copy_ms_min"] / 1e3) / 1e9, 1)
    except Exception:  # noqa: BLE001 - the record says "?" rather than failing the run
        return "?"


def describe(driver):
    return {
        "cpu": _cpu_model(), "cores": os.cpu_count(), "mem_gib": _mem_gib(), "kernel": platform.release(),
        "memcpy_gb_per_s": memcpy_gb_per_s(driver), "wmem_max": _read("/proc/sys/net/core/wmem_max"),
        "thp": _thp(), "load_before": "%.2f %.2f %.2f" % os.getloadavg(),
    }


def quiet_verdict(foreign):
    """None when the machine is quiet enough to record, else why not."""
    load = os.getloadavg()[0]
    if load > LOAD_MAX:
        return f"load average {load:.2f} > {LOAD_MAX}"
    if foreign > FOREIGN_MAX:
        return f"other processes used {foreign:.0%} of the CPUs (> {FOREIGN_MAX:.0%})"
    return None
