#!/usr/bin/env python3
"""The man pages say everything the program knows: every option of `vugpu --help` (long and
short) is in vugpu(8), every configuration key (the core's, from --check-config of an empty
file, and every option of every plugin built, from --list-plugins) is in vugpu.toml(5), and
vugpu(8) has the sections an admin looks for.

    check_man_pages.py VUGPU PLUGIN_DIR MAN_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FILES", "ENVIRONMENT", "SIGNALS",
            "EXIT STATUS", "EXAMPLES"]


def run(vugpu, plugins, *args):
    env = dict(os.environ, VUGPU_PLUGIN_PATH=plugins)
    r = subprocess.run([vugpu, *args], capture_output=True, text=True, env=env, timeout=30)
    if r.returncode != 0:
        sys.exit(f"FAIL: vugpu {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r.stdout


def main():
    vugpu, plugins, man_dir = sys.argv[1:4]
    with open(os.path.join(man_dir, "vugpu.8.scd")) as f:
        page8 = f.read()
    with open(os.path.join(man_dir, "vugpu.toml.5.scd")) as f:
        page5 = f.read()
    missing = []

    help_text = run(vugpu, plugins, "--help")
    longs = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", help_text.split("\n\n")[1]
                                  if "\n\n" in help_text else help_text)))
    shorts = re.findall(r"^\s+(-[a-zA-Z]),(--[a-z-]+)", help_text, re.M)
    if len(longs) < 10:
        sys.exit(f"FAIL: read only {longs} from --help:\n{help_text}")
    for opt in longs:
        if f"*{opt}*" not in page8:
            missing.append(f"vugpu.8: option {opt}")
    for short, long in shorts:
        if f"*{short}*, *{long}*" not in page8:
            missing.append(f"vugpu.8: short option {short} of {long}")
    for section in SECTIONS:
        if not re.search(rf"^# {section}$", page8, re.M):
            missing.append(f"vugpu.8: section {section}")
    if "VUGPU_PLUGIN_PATH" not in page8:
        missing.append("vugpu.8: VUGPU_PLUGIN_PATH")

    with tempfile.NamedTemporaryFile("w", suffix=".toml") as empty:
        effective = run(vugpu, plugins, "--check-config", empty.name)
    core_keys = re.findall(r"^([a-z_]+) = ", effective.split("[plugin.")[0], re.M)
    tables = re.findall(r"^\[+([a-z_.]+)\]+$", effective, re.M)
    if len(core_keys) < 10:
        sys.exit(f"FAIL: read only {core_keys} from --check-config:\n{effective}")
    for key in core_keys:
        if f"*{key}*" not in page5:
            missing.append(f"vugpu.toml.5: key {key}")
    for table in tables:
        if f"[{table}]" not in page5:
            missing.append(f"vugpu.toml.5: table [{table}]")

    listing = run(vugpu, plugins, "--list-plugins")
    plugin = None
    n_options = 0
    for line in listing.splitlines():
        m = re.match(r"^([a-z]+\.[a-z-]+) \S+ \((\w+)\)", line)
        if m:
            plugin = m.group(1)
            if plugin not in page5:
                missing.append(f"vugpu.toml.5: plugin {plugin}")
            continue
        m = re.match(r"^    ([a-z_]+) \((string|int|bool|double|float)", line)
        if m and plugin:
            n_options += 1
            if f"*{m.group(1)}*" not in page5:
                missing.append(f"vugpu.toml.5: option {m.group(1)} of {plugin}")
    if n_options == 0:
        sys.exit(f"FAIL: no plugin option read from --list-plugins:\n{listing}")

    if missing:
        print("FAIL: the man pages (docs/man/*.scd) lack:\n  " + "\n  ".join(missing))
        sys.exit(1)
    print(f"PASS: {len(longs)} options, {len(shorts)} short ones, {len(core_keys)} keys, "
          f"{len(tables)} tables, {n_options} plugin options are documented")


if __name__ == "__main__":
    main()
