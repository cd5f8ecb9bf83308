"""Which skipped tests are allowed: the one list of host capabilities this project may lack.

A test may skip only because the machine lacks a host capability (tests/README rule: "print
`SKIPPED: <reason naming the capability>`"). Anything else missing (a package, a built plugin,
QEMU, the guest image, Xvfb...) is a failure wherever the switch VUGPU_STRICT_SKIPS=1 is set:
scripts/test sets it, so CI and a developer running scripts/test both get it.

Used by check_skips.py (after ctest, over its JUnit report) and by the e2e harnesses
(tests/e2e/vmlib.py, tests/e2e-virgl). Python 3 standard library only.
"""
import os
import re

# (name, pattern a skip reason must match to count as this capability missing)
HOST_CAPABILITIES = [
    ("no /dev/udmabuf", re.compile(r"udmabuf", re.I)),
    ("no DRM render node", re.compile(r"render[ -]?node|/dev/dri/renderD", re.I)),
    ("no EGL dma-buf import", re.compile(r"dma-?buf[ _-]?import", re.I)),
]

STRICT_ENV = "VUGPU_STRICT_SKIPS"


def strict():
    """True when a skip outside HOST_CAPABILITIES must fail (VUGPU_STRICT_SKIPS=1)."""
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def capability_of(reason):
    """The host capability a skip reason names, or None when it names none."""
    for name, pattern in HOST_CAPABILITIES:
        if pattern.search(reason or ""):
            return name
    return None


def allowed_list():
    return ", ".join(name for name, _ in HOST_CAPABILITIES)
