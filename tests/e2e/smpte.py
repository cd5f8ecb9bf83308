"""The SMPTE colour bars modetest draws by default (libdrm tests/util/pattern.c, fill_smpte for
32-bit RGB formats), as an expected image to compare a screendump against.

Layout for a WxH buffer (integer arithmetic as in libdrm):
  rows [0, H*6/9):        7 bars, bar = x*7/W: grey yellow cyan green magenta red blue (192 level)
  rows [H*6/9, H*7/9):    7 bars, bar = x*7/W: blue black magenta black cyan black grey
  rows [H*7/9, H):        x < W*5/7: 4 bars, bar = x*4/(W*5/7): -I, super white, +Q, black
                          x < W*6/7: 3 bars, bar = (x-W*5/7)*3/(W/7): 3.5%, 7.5%, 11.5% (PLUGE)
                          else black
"""

GREY, YELLOW, CYAN, GREEN = (192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0)
MAGENTA, RED, BLUE, BLACK = (192, 0, 192), (192, 0, 0), (0, 0, 192), (19, 19, 19)
IN_PHASE, SUPER_WHITE, QUADRATURE = (0, 33, 76), (255, 255, 255), (50, 0, 106)
# colors_bottom[4..7] in libdrm; index 7 (black) is reached at the right edge of the PLUGE
# region when W*6/7 - W*5/7 > W/7 (integer rounding)
PLUGE = [(9, 9, 9), (19, 19, 19), (29, 29, 29), (19, 19, 19)]

TOP = [GREY, YELLOW, CYAN, GREEN, MAGENTA, RED, BLUE]
MIDDLE = [BLUE, BLACK, MAGENTA, BLACK, CYAN, BLACK, GREY]
BOTTOM = [IN_PHASE, SUPER_WHITE, QUADRATURE, BLACK]

NAMES = {GREY: "grey", YELLOW: "yellow", CYAN: "cyan", GREEN: "green", MAGENTA: "magenta",
         RED: "red", BLUE: "blue", BLACK: "black", IN_PHASE: "-I", SUPER_WHITE: "white",
         QUADRATURE: "+Q", PLUGE[0]: "3.5%", PLUGE[2]: "11.5%"}


def colour(x, y, w, h):
    if y < h * 6 // 9:
        return TOP[x * 7 // w]
    if y < h * 7 // 9:
        return MIDDLE[x * 7 // w]
    if x < w * 5 // 7:
        return BOTTOM[x * 4 // (w * 5 // 7)]
    if x < w * 6 // 7:
        return PLUGE[(x - w * 5 // 7) * 3 // (w // 7)]
    return BLACK


def expected_rows(w, h):
    """The three distinct rows (top, middle, bottom) as RGB bytes, and which band each y is in."""
    rows = [bytes(c for x in range(w) for c in colour(x, y, w, h))
            for y in (0, h * 6 // 9, h * 7 // 9)]

    def band(y):
        return 0 if y < h * 6 // 9 else (1 if y < h * 7 // 9 else 2)
    return rows, band


def sample_points(w, h, view=None):
    """[(name, x, y, rgb)] in view coordinates: the centre of every bar of the three bands of a
    w x h pattern, restricted to view = (ox, oy, vw, vh) (the part a scanout shows)."""
    ox, oy, vw, vh = view or (0, 0, w, h)
    pts = []
    yt, ym, yb = h * 3 // 9, (h * 6 // 9 + h * 7 // 9) // 2, (h * 7 // 9 + h) // 2
    for i in range(7):
        x = (2 * i + 1) * w // 14
        pts.append((f"top {NAMES[TOP[i]]}", x, yt))
        pts.append((f"middle {NAMES[MIDDLE[i]]}", x, ym))
    w57 = w * 5 // 7
    for i in range(4):
        pts.append((f"bottom {NAMES[BOTTOM[i]]}", (2 * i + 1) * w57 // 8, yb))
    for i in range(3):
        pts.append((f"bottom pluge{i}", w57 + (2 * i + 1) * (w // 7) // 6, yb))
    return [(n, x - ox, y - oy, colour(x, y, w, h)) for n, x, y in pts
            if ox <= x < ox + vw and oy <= y < oy + vh]


def compare(img, w=None, h=None, view=None, tol=0):
    """Compares img with the part view = (ox, oy, vw, vh) of a w x h pattern (default: all of
    an img-sized pattern). img must be vw x vh.

    Returns (mismatching_pixels, total, first_mismatches[(x, y, got, want)]).
    """
    w = w or img.width
    h = h or img.height
    ox, oy, vw, vh = view or (0, 0, w, h)
    assert (img.width, img.height) == (vw, vh)
    rows, band = expected_rows(w, h)
    bad, firsts = 0, []
    for y in range(vh):
        got = img.rgb[y * vw * 3:(y + 1) * vw * 3]
        want = rows[band(oy + y)][ox * 3:(ox + vw) * 3]
        if got == want:
            continue
        for x in range(vw):
            g, e = got[3 * x:3 * x + 3], want[3 * x:3 * x + 3]
            if g != e and any(abs(a - b) > tol for a, b in zip(g, e)):
                bad += 1
                if len(firsts) < 5:
                    firsts.append((x, y, tuple(g), tuple(e)))
    return bad, vw * vh, firsts
