#!/usr/bin/env python3
"""Self-test of the skip policy (a few seconds): a throw-away ctest project whose tests skip for
a host capability, for a missing plugin (GoogleTest style) and for no stated reason, run by the
real ctest into a JUnit report; check_skips.py must fail it under the switch, name exactly the
two bad skips, pass it without the switch, and pass a run whose only skip is a capability. The
e2e harness's own gate (vmlib.main under VUGPU_STRICT_SKIPS) is checked the same way.
Exit 0 pass, 1 fail."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check_skips.py")
VMLIB_DIR = os.path.join(HERE, "..", "e2e")

PROJECT = r"""
cmake_minimum_required(VERSION 3.20)
project(skip_policy_selftest NONE)
enable_testing()
add_test(NAME cap_skip COMMAND sh -c "echo 'SKIPPED: no /dev/udmabuf on this host'; exit 77")
set_tests_properties(cap_skip PROPERTIES SKIP_RETURN_CODE 77)
add_test(NAME gtest_skip COMMAND sh -c "printf '[ RUN      ] A.B\n/src/x_test.cpp:12: Skipped\npresent.headless is not built\n\n[  SKIPPED ] A.B (0 ms)\n'")
set_tests_properties(gtest_skip PROPERTIES SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
add_test(NAME silent_skip COMMAND sh -c "exit 77")
set_tests_properties(silent_skip PROPERTIES SKIP_RETURN_CODE 77)
add_test(NAME passes COMMAND sh -c "echo fine")
"""

failures = []


def expect(cond, what):
    print(("  ok: " if cond else "  FAILED: ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(argv, env_strict):
    env = dict(os.environ)
    env.pop("VUGPU_STRICT_SKIPS", None)
    if env_strict:
        env["VUGPU_STRICT_SKIPS"] = "1"
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    return r.returncode, r.stdout + r.stderr


def main():
    if not shutil.which("ctest") or not shutil.which("cmake"):
        print("FAIL: cmake/ctest not found")  # the build needs them: never a reason to skip
        return 1
    tmp = tempfile.mkdtemp(prefix="vugpu-skip-policy-")
    try:
        src, build = os.path.join(tmp, "src"), os.path.join(tmp, "build")
        os.makedirs(src)
        with open(os.path.join(src, "CMakeLists.txt"), "w") as f:
            f.write(PROJECT)
        subprocess.run(["cmake", "-S", src, "-B", build], check=True, capture_output=True, timeout=120)
        every = os.path.join(build, "every.xml")
        only_cap = os.path.join(build, "only-cap.xml")
        subprocess.run(["ctest", "--test-dir", build, "--output-junit", every], capture_output=True, timeout=120)
        subprocess.run(["ctest", "--test-dir", build, "-R", "^(cap_skip|passes)$", "--output-junit", only_cap],
                       capture_output=True, timeout=120)

        rc, out = run([sys.executable, CHECK, every], env_strict=True)
        print(out)
        expect(rc == 1, f"strict: a skip outside the host-capability list fails the run (rc {rc})")
        expect("NOT ALLOWED      gtest_skip: present.headless is not built" in out,
               "the GoogleTest skip is listed with its GTEST_SKIP() reason, not allowed")
        expect("NOT ALLOWED      silent_skip: (no reason printed)" in out, "a skip without a reason is not allowed")
        expect("host capability  cap_skip: no /dev/udmabuf on this host" in out,
               "the udmabuf skip is listed as a host capability")
        expect("passes" not in out.replace("skip_policy", ""), "a passing test is not listed")

        rc, out = run([sys.executable, CHECK, every], env_strict=False)
        expect(rc == 0 and "== skipped tests: 3" in out, f"without the switch: listed, not failed (rc {rc})")
        rc, out = run([sys.executable, CHECK, "--strict", every], env_strict=False)
        expect(rc == 1, f"--strict alone fails it too (rc {rc})")
        rc, out = run([sys.executable, CHECK, only_cap], env_strict=True)
        expect(rc == 0 and "== skipped tests: 1" in out, f"strict: a capability skip alone passes (rc {rc})")
        rc, out = run([sys.executable, CHECK, os.path.join(build, "missing.xml")], env_strict=True)
        expect(rc == 2, f"a missing report is an error, not a pass (rc {rc})")

        # The e2e harness: vmlib.main turns a non-capability Skip into exit 1 under the switch.
        script = os.path.join(tmp, "fake_e2e.py")
        with open(script, "w") as f:
            f.write("import sys\nsys.path.insert(0, %r)\nimport vmlib\n"
                    "sys.argv, why = sys.argv[:1], sys.argv[1]\n"
                    "def test(args):\n    raise vmlib.Skip(why)\n"
                    "vmlib.main(test, 'fake')\n" % VMLIB_DIR)
        for why, strict, want in (("cannot build the guest initramfs", True, 1),
                                  ("cannot build the guest initramfs", False, 77),
                                  ("no DRM render node (/dev/dri/renderD128)", True, 77)):
            rc, out = run([sys.executable, script, why], env_strict=strict)
            expect(rc == want, f"vmlib.main, Skip('{why}'), strict {strict}: exit {rc} (want {want})")
            if want == 77:
                expect(f"SKIPPED: {why}" in out, "it prints the SKIPPED: line check_skips reads")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS" if not failures else f"FAIL: {len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
