"""A recording proxy between QEMU and a vhost-user GPU backend (standard library only).

QEMU connects to the tap's socket, the tap connects to the backend's socket, and every
vhost-user message (with its SCM_RIGHTS fds: memory regions, eventfds) is forwarded unchanged —
except VHOST_USER_GPU_SET_SOCKET, whose socket the tap replaces by one end of its own socketpair,
so that it sits on the GPU display channel too. There it decodes every VhostUserGpuMsg the
backend sends to QEMU (SCANOUT, UPDATE, CURSOR_POS, CURSOR_POS_HIDE, CURSOR_UPDATE, DMABUF_*)
and every reply QEMU sends back, forwards them byte for byte, and records them.

Why: QEMU 10 has no trace event for the vhost-user-gpu display channel and refuses every display
that would show a cursor (VNC, GTK, SDL, D-Bus without GL: "The console requires display DMABUF
support." — the vhost-user-gpu console always requires DMABUF support), so this is where the
cursor a backend hands to QEMU can be observed. QEMU reads exactly these bytes: a malformed
message would desynchronise its reader and break the display.
"""

import os
import socket
import struct
import threading
import time

HDR = struct.Struct("<III")  # request, flags, size (same layout on both channels)

VHOST_USER_GPU_SET_SOCKET = 33

GPU_MSG_NAMES = {
    1: "GET_PROTOCOL_FEATURES", 2: "SET_PROTOCOL_FEATURES", 3: "GET_DISPLAY_INFO",
    4: "CURSOR_POS", 5: "CURSOR_POS_HIDE", 6: "CURSOR_UPDATE", 7: "SCANOUT", 8: "UPDATE",
    9: "DMABUF_SCANOUT", 10: "DMABUF_UPDATE", 11: "GET_EDID", 12: "DMABUF_SCANOUT2",
}
REPLY_FLAG = 0x4


def _recv_exact(sock, n, fds):
    """Reads n bytes; collects SCM_RIGHTS fds into fds. Returns b'' on EOF at a boundary."""
    buf = bytearray()
    while len(buf) < n:
        data, anc, _, _ = sock.recvmsg(n - len(buf), socket.CMSG_SPACE(32 * 4))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                usable = len(payload) - len(payload) % 4
                fds.extend(struct.unpack(f"<{usable // 4}i", payload[:usable]))
        if not data:
            if not buf:
                return b""
            raise EOFError("peer closed mid-message")
        buf += data
    return bytes(buf)


def _read_msg(sock):
    """(header_tuple, payload, fds) or None on EOF."""
    fds = []
    hdr = _recv_exact(sock, HDR.size, fds)
    if not hdr:
        for fd in fds:
            os.close(fd)
        return None
    req, flags, size = HDR.unpack(hdr)
    payload = _recv_exact(sock, size, fds) if size else b""
    return (req, flags, size), hdr + payload, fds


def _send(sock, data, fds):
    if fds:
        sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                               struct.pack(f"<{len(fds)}i", *fds))])
    else:
        sock.sendall(data)


class GpuEvent:
    __slots__ = ("t", "direction", "name", "request", "flags", "size", "fields", "data")

    def __init__(self, t, direction, request, flags, size, fields, data=None):
        self.t, self.direction, self.request, self.flags = t, direction, request, flags
        self.size, self.fields, self.data = size, fields, data
        self.name = GPU_MSG_NAMES.get(request, f"REQ{request}")

    def __repr__(self):
        return f"{self.direction} {self.name} {self.fields}"


def decode_gpu(request, flags, payload):
    """Fields of a display-channel message (payload without header); cursor data kept aside."""
    f, data = {}, None
    if flags & REPLY_FLAG:
        return {"reply": True}, None
    if request in (4, 5) and len(payload) >= 12:
        f["scanout"], f["x"], f["y"] = struct.unpack_from("<III", payload)
    elif request == 6 and len(payload) >= 20:
        f["scanout"], f["x"], f["y"], f["hot_x"], f["hot_y"] = struct.unpack_from("<5I", payload)
        data = payload[20:]
    elif request == 7 and len(payload) >= 12:
        f["scanout"], f["width"], f["height"] = struct.unpack_from("<III", payload)
    elif request in (8, 10) and len(payload) >= 20:
        f["scanout"], f["x"], f["y"], f["width"], f["height"] = struct.unpack_from("<5I", payload)
        f["data_bytes"] = len(payload) - 20
    elif request in (9, 12) and len(payload) >= 40:
        keys = ("scanout", "x", "y", "width", "height", "fd_width", "fd_height", "fd_stride",
                "fd_flags", "fourcc")
        f.update(zip(keys, struct.unpack_from("<9Ii", payload)))
    elif request == 11 and len(payload) >= 4:
        f["scanout"] = struct.unpack_from("<I", payload)[0]
    return f, data


class VhostUserTap:
    """Listens on listen_path; for each QEMU connection, connects to backend_path and forwards.

    gpu_events: list of GpuEvent ("to-qemu" = sent by the backend, "to-backend" = QEMU's
    replies) on the display channel; errors: problems seen (never raised in threads).
    """

    def __init__(self, listen_path, backend_path):
        self.listen_path, self.backend_path = listen_path, backend_path
        if os.path.exists(listen_path):
            os.unlink(listen_path)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(listen_path)
        self.server.listen(4)
        self.lock = threading.Lock()
        self.gpu_events = []
        self.main_requests = []
        self.errors = []
        self.socks = []
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True, name="tap-accept").start()

    # --- plumbing
    def _spawn(self, fn, *args):
        threading.Thread(target=self._guard, args=(fn,) + args, daemon=True).start()

    def _guard(self, fn, *args):
        try:
            fn(*args)
        except (OSError, EOFError) as e:
            if not self._closed:
                with self.lock:
                    self.errors.append(f"{fn.__name__}: {e}")
        finally:
            for s in args:
                if isinstance(s, socket.socket):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

    def _accept_loop(self):
        while not self._closed:
            try:
                qemu, _ = self.server.accept()
            except OSError:
                return
            backend = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                backend.connect(self.backend_path)
            except OSError as e:
                with self.lock:
                    self.errors.append(f"connect to backend {self.backend_path}: {e}")
                qemu.close()
                backend.close()
                continue
            self.socks += [qemu, backend]
            self._spawn(self._main_qemu_to_backend, qemu, backend)
            self._spawn(self._main_backend_to_qemu, backend, qemu)

    def _main_qemu_to_backend(self, qemu, backend):
        while True:
            m = _read_msg(qemu)
            if m is None:
                return
            (req, flags, size), raw, fds = m
            with self.lock:
                self.main_requests.append((time.monotonic(), req, size, len(fds)))
            if req == VHOST_USER_GPU_SET_SOCKET and len(fds) == 1:
                qemu_end = socket.socket(fileno=fds[0])
                mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                self.socks += [qemu_end, mine]
                _send(backend, raw, [theirs.fileno()])
                theirs.close()
                self._spawn(self._gpu_forward, mine, qemu_end, "to-qemu")
                self._spawn(self._gpu_forward, qemu_end, mine, "to-backend")
                continue
            try:
                _send(backend, raw, fds)
            finally:
                for fd in fds:
                    os.close(fd)

    def _main_backend_to_qemu(self, backend, qemu):
        while True:
            m = _read_msg(backend)
            if m is None:
                return
            _, raw, fds = m
            try:
                _send(qemu, raw, fds)
            finally:
                for fd in fds:
                    os.close(fd)

    def _gpu_forward(self, src, dst, direction):
        while True:
            m = _read_msg(src)
            if m is None:
                return
            (req, flags, size), raw, fds = m
            fields, data = decode_gpu(req, flags, raw[HDR.size:])
            ev = GpuEvent(time.monotonic(), direction, req, flags, size, fields, data)
            with self.lock:
                self.gpu_events.append(ev)
            try:
                _send(dst, raw, fds)
            finally:
                for fd in fds:
                    os.close(fd)

    # --- queries
    def events(self, name=None, direction="to-qemu"):
        with self.lock:
            return [e for e in self.gpu_events
                    if (name is None or e.name == name) and e.direction == direction]

    def close(self):
        self._closed = True
        try:
            self.server.close()
        except OSError:
            pass
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        try:
            os.unlink(self.listen_path)
        except OSError:
            pass
