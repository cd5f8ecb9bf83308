#!/usr/bin/env python3
"""The daemon with present.egl-headless on a render node that does not exist: one line on
stderr naming the plugin, the node and a hint, a non-zero exit, and no socket (it never served).

    daemon_start_error.py VUGPU PLUGIN_DIR
"""
import os
import subprocess
import sys
import tempfile


def main():
    vugpu, plugins = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as d:
        config = os.path.join(d, "vugpu.toml")
        with open(config, "w") as f:
            f.write('presenters = ["present.egl-headless"]\n'
                    '[plugin."present.egl-headless"]\nrender_node = "/nonexistent/renderD128"\n')
        sock = os.path.join(d, "gpu.sock")
        r = subprocess.run([vugpu, "--socket-path", sock, "--config", config], capture_output=True, text=True,
                           env=dict(os.environ, VUGPU_PLUGIN_PATH=plugins), timeout=60)
        errors = [line for line in r.stderr.splitlines() if "present.egl-headless failed to start" in line]
        problems = []
        if r.returncode == 0:
            problems.append("exit status 0")
        if len(errors) != 1:
            problems.append(f"{len(errors)} lines say the plugin failed to start")
        elif "cannot open render node '/nonexistent/renderD128'" not in errors[0] or "hint: " not in errors[0]:
            problems.append(f"the line lacks the node or the hint: {errors[0]}")
        if os.path.exists(sock):
            problems.append("the socket exists: it served")
        if problems:
            sys.exit("FAIL: " + "; ".join(problems) + f"\nstderr:\n{r.stderr}")
        print(f"ok: exit {r.returncode}: {errors[0]}")


if __name__ == "__main__":
    main()
