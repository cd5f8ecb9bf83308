#!/usr/bin/env python3
"""Lists every skipped test of one or more ctest runs with its reason, and fails under
VUGPU_STRICT_SKIPS=1 (or --strict) when a reason names no host capability of skip_policy.py.

    check_skips.py [--strict] JUNIT.xml...      (ctest --output-junit JUNIT.xml)

Reasons come from each test's output: `SKIPPED: <reason>` lines (python/shell tests, exit 77),
GoogleTest's `file:line: Skipped` followed by the GTEST_SKIP() message, else "(no reason
printed)" -- which names no capability, so it fails under the switch. Exit 0 ok, 1 a skip
outside the list (strict only), 2 a report is missing or unreadable.
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skip_policy  # noqa: E402

_PLAIN = re.compile(r"^\s*SKIP(?:PED)?(?: [^:\s]+)?:\s*(\S.*?)\s*$")  # "SKIPPED: why", "SKIP name: why"
_GTEST = re.compile(r":\d+: Skipped\s*$")


def reason_of(output, fallback=""):
    """The skip reason a test printed (first one found), else ctest's own (e.g. "Required Files
    Missing" with the file it names)."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if _GTEST.search(line):
            why = []
            for more in lines[i + 1:]:
                if not more.strip() or more.startswith("[  SKIPPED ]"):
                    break
                why.append(more.strip())
            if why:
                reason = " ".join(why)
                m = _PLAIN.match(reason)  # GTEST_SKIP() << "SKIPPED: ..." as rule 7 words it
                return m.group(1) if m else reason
    for line in lines:
        m = _PLAIN.match(line)
        if m:
            return m.group(1)
    return fallback or "(no reason printed)"


def skipped_tests(junit_path):
    """([(test name, reason)] of the tests ctest reported as skipped or not run in this JUnit
    file, [names of DISABLED tests])."""
    root = ET.parse(junit_path).getroot()
    out, disabled = [], []
    for case in root.iter("testcase"):
        if case.get("status") == "disabled":
            disabled.append(case.get("name"))
            continue
        skipped = case.find("skipped")
        if skipped is None and case.get("status") != "notrun":
            continue
        text = case.findtext("system-out") or ""
        # ctest's own reason for a test it did not run ("Required Files Missing"...); its
        # SKIP_RETURN_CODE / SKIP_REGULAR_EXPRESSION messages say nothing about why
        ctest_says = skipped.get("message", "") if skipped is not None else ""
        if ctest_says.startswith("SKIP_"):
            ctest_says = ""
        elif ctest_says and text.strip():
            ctest_says += f" ({text.strip().splitlines()[0]})"
        out.append((case.get("name"), reason_of(text, ctest_says)))
    return out, disabled


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--strict", action="store_true",
                   help=f"fail on a skip outside the host-capability list (default: ${skip_policy.STRICT_ENV}=1)")
    p.add_argument("junit", nargs="+", help="ctest --output-junit files")
    args = p.parse_args(argv)
    strict = args.strict or skip_policy.strict()
    skips, disabled = [], []
    for path in args.junit:
        try:
            found, off = skipped_tests(path)
            skips += [(path, name, why) for name, why in found]
            disabled += off
        except (OSError, ET.ParseError) as e:
            print(f"check_skips: cannot read the ctest report {path}: {e}", file=sys.stderr)
            return 2
    bad = []
    print(f"== skipped tests: {len(skips)} (allowed only for: {skip_policy.allowed_list()}; "
          f"strict {'on' if strict else 'off'})")
    for _, name, why in skips:
        cap = skip_policy.capability_of(why)
        if cap is None:
            bad.append(name)
        print(f"   {'host capability' if cap else 'NOT ALLOWED':<16} {name}: {why}")
    if disabled:  # DISABLED_ GoogleTest tests: documented known bugs, listed, not judged
        print(f"   disabled ({len(disabled)}): {', '.join(disabled)}")
    if bad and strict:
        print(f"check_skips: FAIL: {len(bad)} test(s) skipped for a reason that is no missing host "
              f"capability: {', '.join(bad)}. Install what they need (scripts/setup) or fix them.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
