#!/usr/bin/env python3
"""Writes the seed corpus of the blob fuzzer (tests/fuzz/corpus-blob) in its input format
(blob_fuzz.cpp): a configuration byte, a memory-table byte and one byte a region, then
operations. The seeds are the blob sessions of the unit tests (tests/unit/blob-guest) and of
the test frontend (tests/frontend): Linux's blob scanout with a page flip and a blob cursor,
blobs over split and file-less regions, a region unplugged under a shown blob, and the hostile
CREATE_BLOB / SET_SCANOUT_BLOB cases. Regression inputs found by the fuzzer live next to them
(regression-*); this script leaves them alone."""
import os
import struct

BASE = 0x100000  # blob_fuzz.cpp kBase: gpa of the first region
PAGE = 4096
HDR = struct.Struct('<IIQIB3x')
FLAG_FENCE = 1

(GET_DISPLAY_INFO, CREATE_2D, UNREF, SET_SCANOUT, FLUSH, TRANSFER_2D, ATTACH, DETACH) = range(0x100, 0x108)
CREATE_BLOB, SET_SCANOUT_BLOB = 0x10c, 0x10d
MAP_BLOB, UNMAP_BLOB = 0x208, 0x209   # after the eight 3D commands (0x200..0x207)
UPDATE_CURSOR, MOVE_CURSOR = 0x300, 0x301
BLOB_MEM_GUEST, BLOB_MEM_HOST3D = 1, 2
SHAREABLE, CROSS_DEVICE = 2, 4
XRGB = 2  # VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM


def hdr(t, fence=None):
    return HDR.pack(t, FLAG_FENCE if fence is not None else 0, fence or 0, 0, 0)


def config(view=0, presenters=1, hold=False, scanouts=1, unsealed=False):
    """view: 0 auto, 1 memfd map, 2 gather, 3 udmabuf; unsealed: a memory file that may shrink."""
    return bytes([view | (4 if presenters == 2 else 0) | (8 if hold else 0) | ((scanouts - 1) << 4) |
                  (0x40 if unsealed else 0)])


def table(*regions):
    """Each region: (pages, hole_before, with_file); pages = 1 + 2k."""
    out = bytes([len(regions) - 1])
    for pages, hole, with_file in regions:
        assert pages % 2 == 1 and pages <= 127
        out += bytes([(pages - 1) // 2 | (0x40 if hole else 0) | (0 if with_file else 0x80)])
    return out


def gpas(*regions):
    """The gpa each region starts at (as blob_fuzz.cpp lays them out)."""
    at, out = BASE, []
    for i, (pages, hole, _) in enumerate(regions):
        if i > 0 and hole:
            at += PAGE
        out.append(at)
        at += pages * PAGE
    return out


def ctrl(cmd):
    """Op 0: a raw control-queue command, whole (chunk 0), 4096 bytes of room."""
    assert len(cmd) < 1200
    return bytes([0]) + struct.pack('<H', len(cmd)) + cmd + bytes([0, 0])


def cursor(cmd):
    """Op 6, raw branch (selector 0): a cursor-queue command."""
    return bytes([6, 0, len(cmd)]) + cmd + bytes([0, 0])


def hold(on, release, presenters=1):
    return bytes([7] + [1 if on else 0] * presenters + [1 if release else 0])


def unplug(region):
    return bytes([8, region << 1 | 1])


def plug(region):
    return bytes([8, region << 1])


def run_loop():
    return bytes([11])


def entries(list_):
    return b''.join(struct.pack('<QII', addr, length, 0) for addr, length in list_)


def create_blob(rid, size, list_, mem=BLOB_MEM_GUEST, flags=SHAREABLE, nr=None, fence=None):
    nr = len(list_) if nr is None else nr
    return hdr(CREATE_BLOB, fence) + struct.pack('<IIIIQQ', rid, mem, flags, nr, 0, size) + entries(list_)


def attach(rid, list_):
    return hdr(ATTACH) + struct.pack('<II', rid, len(list_)) + entries(list_)


def set_scanout_blob(scanout, rid, w, h, stride, offset=0, fmt=XRGB, r=None):
    x, y, rw, rh = r or (0, 0, w, h)
    return (hdr(SET_SCANOUT_BLOB) + struct.pack('<IIII', x, y, rw, rh) +
            struct.pack('<IIIIII', scanout, rid, w, h, fmt, 0) + struct.pack('<4I', stride, 0, 0, 0) +
            struct.pack('<4I', offset, 0, 0, 0))


def rect_cmd(t, rid, w, h, fence=None):
    return hdr(t, fence) + struct.pack('<IIII', 0, 0, w, h) + struct.pack('<II', rid, 0)


def flush(rid, w=64, h=64, fence=None):
    return rect_cmd(FLUSH, rid, w, h, fence)


def transfer(rid, w=64, h=64):
    return hdr(TRANSFER_2D) + struct.pack('<IIII', 0, 0, w, h) + struct.pack('<QII', 0, rid, 0)


def unref(rid):
    return hdr(UNREF) + struct.pack('<II', rid, 0)


def map_blob(rid):
    return hdr(MAP_BLOB) + struct.pack('<IIQ', rid, 0, 0)


def unmap_blob(rid):
    return hdr(UNMAP_BLOB) + struct.pack('<II', rid, 0)


def update_cursor(rid, x, y, move=False):
    return hdr(MOVE_CURSOR if move else UPDATE_CURSOR) + struct.pack('<IIII', 0, x, y, 0) + struct.pack('<IIII', rid, 0, 0, 0)


def pages(first_gpa, count, reverse=True):
    """`count` whole pages from first_gpa, in reverse order (a guest allocator's scatter)."""
    order = range(count - 1, -1, -1) if reverse else range(count)
    return [(first_gpa + i * PAGE, PAGE) for i in order]


FB = 64 * 64 * 4  # a 64x64 XRGB framebuffer, and Linux's cursor: 4 pages


def linux_blob():
    """What Linux >= 5.15 sends with RESOURCE_BLOB and no VIRGL: dumb buffers as GUEST blobs, an
    unfenced TRANSFER before each flush, a fenced flush, a cursor blob, a page flip."""
    regions = [(63, False, True), (63, False, True)]
    low, high = gpas(*regions)
    ops = [ctrl(hdr(GET_DISPLAY_INFO)),
           ctrl(create_blob(1, FB, pages(low, 4))),
           ctrl(set_scanout_blob(0, 1, 64, 64, 256)),
           ctrl(transfer(1)), ctrl(flush(1, fence=1)),
           ctrl(create_blob(2, FB, pages(high, 4))),
           cursor(update_cursor(2, 10, 10)), cursor(update_cursor(2, 20, 30, move=True)),
           ctrl(create_blob(3, FB, pages(low + 8 * PAGE, 4))),
           ctrl(set_scanout_blob(0, 3, 64, 64, 256)),
           ctrl(transfer(3)), ctrl(flush(3, fence=2)),
           ctrl(unref(1)),
           ctrl(set_scanout_blob(0, 0, 64, 64, 256)),
           run_loop()]
    return config() + table(*regions) + b''.join(ops)


def split_regions_gather():
    """A 64x128 blob of two entries: one inside region 0, one across the seam of two adjacent
    regions (the second without a memory file), regions 0 and 1 a page apart; gather views."""
    regions = [(7, False, True), (7, True, True), (7, False, False)]
    r0, r1, r2 = gpas(*regions)
    assert r2 == r1 + 7 * PAGE
    list_ = [(r0 + 3 * PAGE, 4 * PAGE), (r2 - 2 * PAGE, 4 * PAGE)]
    ops = [ctrl(create_blob(1, 8 * PAGE, list_)),
           ctrl(set_scanout_blob(0, 1, 64, 128, 256)),
           ctrl(flush(1, 64, 128, fence=1)),
           run_loop()]
    return config(view=2) + table(*regions) + b''.join(ops)


def no_file_falls_back():
    """Auto views over a region with no memory file: the memfd mapping cannot be made, the
    gather copy is. Two presenters, two scanouts showing parts of the blob."""
    regions = [(31, False, False)]
    (r0,) = gpas(*regions)
    ops = [ctrl(create_blob(5, 2 * FB, pages(r0 + PAGE, 8))),
           ctrl(set_scanout_blob(0, 5, 64, 128, 256, r=(0, 0, 64, 64))),
           ctrl(set_scanout_blob(1, 5, 64, 128, 256, r=(0, 64, 64, 64))),
           ctrl(flush(5, 64, 128)),
           run_loop()]
    return config(presenters=2, scanouts=2) + table(*regions) + b''.join(ops)


def unplug_under_a_shown_blob():
    """A presenter holds a frame of a blob in region 1 when the VMM unplugs region 1: the blob
    loses its backing and its scanout; the held frame is released afterwards; a new scanout of
    it is refused; region 1 plugged back, the blob is given its pages again."""
    regions = [(15, False, True), (15, False, True)]
    _, high = gpas(*regions)
    ops = [ctrl(create_blob(1, FB, pages(high + PAGE, 4))),
           ctrl(set_scanout_blob(0, 1, 64, 64, 256)),
           hold(True, False), ctrl(flush(1, fence=1)),
           unplug(1),
           hold(False, True), run_loop(),
           ctrl(flush(1, fence=2)),
           ctrl(set_scanout_blob(0, 1, 64, 64, 256)),   # no backing: refused
           plug(1),
           ctrl(attach(1, pages(high + PAGE, 4))),
           run_loop()]
    return config() + table(*regions) + b''.join(ops)


def hostile():
    """tests/unit/blob-guest/blob_hostile_test.cpp's cases, each refused, around one good blob."""
    regions = [(15, False, True)]
    (r0,) = gpas(*regions)
    end = r0 + 15 * PAGE
    bad_creates = [
        create_blob(1, PAGE, [(0x10, PAGE)]),                          # outside guest RAM
        create_blob(1, 0x2000, [(0xfffffffffffff000, 0x2000)]),        # wraps
        create_blob(1, 2 * PAGE, [(r0, PAGE)]),                        # entries do not add up
        create_blob(1, 2 * PAGE, [(r0, PAGE), (r0, PAGE)]),            # overlap
        create_blob(1, PAGE, [(r0, 0), (r0, PAGE)]),                   # empty entry
        create_blob(1, PAGE, [(r0, PAGE)], nr=1000),                   # over max_backing_entries
        create_blob(1, 3 * PAGE, [(r0, PAGE)], nr=3),                  # fewer entries than announced
        create_blob(1, PAGE, [(r0, PAGE)], mem=BLOB_MEM_HOST3D),       # host blobs need 3D
        create_blob(1, PAGE, [(r0, PAGE)], flags=CROSS_DEVICE),        # not served
        create_blob(1, 0, []),                                         # empty blob
        create_blob(1, 2 * PAGE, [(end - PAGE, 2 * PAGE)]),            # runs past the table
    ]
    bad_scanouts = [
        set_scanout_blob(0, 1, 64, 64, 128),                           # stride shorter than a row
        set_scanout_blob(0, 1, 64, 64, 256, offset=0xffffff00),        # offset past the blob
        set_scanout_blob(0, 1, 300, 10, 1200),                         # wider than max_dimension
        set_scanout_blob(0, 1, 64, 64, 256, fmt=999),                  # unknown format
        set_scanout_blob(0, 1, 64, 64, 256, r=(32, 32, 64, 64)),       # rect outside the framebuffer
        set_scanout_blob(17, 1, 64, 64, 256),                          # no such scanout
        set_scanout_blob(0, 1, 64, 65, 256),                           # one row past the blob
    ]
    ops = ([ctrl(c) for c in bad_creates] + [ctrl(create_blob(1, FB, pages(r0, 4)))] +
           [ctrl(c) for c in bad_scanouts] +
           [ctrl(map_blob(1)), ctrl(unmap_blob(1)), ctrl(attach(1, pages(r0 + 8 * PAGE, 4))),
            ctrl(set_scanout_blob(0, 7, 64, 64, 256)), run_loop()])
    return config() + table(*regions) + b''.join(ops)


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus-blob')
    os.makedirs(out, exist_ok=True)
    seeds = {'linux-blob': linux_blob(), 'split-regions-gather': split_regions_gather(),
             'no-file-falls-back': no_file_falls_back(), 'unplug-under-a-shown-blob': unplug_under_a_shown_blob(),
             'hostile': hostile()}
    for name, data in seeds.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
