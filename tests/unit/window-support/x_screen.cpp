#include "x_screen.hpp"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace vugpu::test {

namespace {

struct PipeClose {
  void operator()(FILE* f) const { ::pclose(f); }
};

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

int shift_of(uint32_t mask) {
  int s = 0;
  while (mask && !(mask & 1)) {
    mask >>= 1;
    ++s;
  }
  return s;
}

// Windows come and go while a test looks at them (an SDL window being destroyed): a request
// about a window that just vanished is not a test failure.
int ignore_x_errors(Display*, XErrorEvent*) { return 0; }

}  // namespace

Screenshot grab_screen(const std::string& display) {
  const std::string command = "xwd -root -silent -display " + display;
  std::unique_ptr<FILE, PipeClose> in(::popen(command.c_str(), "r"));
  if (!in) throw std::runtime_error("cannot run " + command);
  std::vector<uint8_t> data;
  uint8_t buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, in.get())) > 0;) data.insert(data.end(), buffer, buffer + n);
  if (data.size() < 100) throw std::runtime_error(command + " wrote " + std::to_string(data.size()) + " bytes");
  // XWD file format (X11 XWDFile.h): 25 big-endian CARD32s, the window name, colormap, pixels.
  const auto field = [&](int i) { return be32(data.data() + 4 * i); };
  const uint32_t header_size = field(0), width = field(4), height = field(5), byte_order = field(7);
  const uint32_t bits_per_pixel = field(11), bytes_per_line = field(12);
  const uint32_t red = field(14), green = field(15), blue = field(16), ncolors = field(19);
  if (bits_per_pixel != 32 && bits_per_pixel != 24) throw std::runtime_error("xwd: " + std::to_string(bits_per_pixel) + " bits per pixel");
  const size_t offset = size_t(header_size) + size_t(ncolors) * 12;
  if (data.size() < offset + size_t(bytes_per_line) * height) throw std::runtime_error("xwd: short image");
  Screenshot s;
  s.width = width;
  s.height = height;
  s.pixels.resize(size_t(width) * height);
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x) {
      const size_t bytes = bits_per_pixel / 8;
      const uint8_t* p = data.data() + offset + size_t(y) * bytes_per_line + size_t(x) * bytes;
      uint32_t v = 0;
      for (size_t i = 0; i < bytes; ++i) v |= uint32_t(p[byte_order == 0 ? i : bytes - 1 - i]) << (8 * i);
      s.pixels[size_t(y) * width + x] = {uint8_t((v & red) >> shift_of(red)), uint8_t((v & green) >> shift_of(green)),
                                         uint8_t((v & blue) >> shift_of(blue))};
    }
  return s;
}

XConnection::XConnection(const std::string& display) : display_(XOpenDisplay(display.c_str())) {
  if (!display_) throw std::runtime_error("cannot connect to X display " + display);
  XSetErrorHandler(ignore_x_errors);
}

XConnection::~XConnection() { XCloseDisplay(static_cast<Display*>(display_)); }

std::optional<WindowInfo> XConnection::find(const std::string& title) {
  Display* d = static_cast<Display*>(display_);
  return find_below(DefaultRootWindow(d), title, 0);
}

// Depth-first under `parent`: a window manager (openbox) reparents each top-level window into a
// frame of its own, so the window may sit a level or two below the root.
std::optional<WindowInfo> XConnection::find_below(unsigned long parent, const std::string& title, int depth) {
  constexpr int kMaxDepth = 3;
  Display* d = static_cast<Display*>(display_);
  Window root = 0, up = 0, *children = nullptr;
  unsigned int count = 0;
  if (!XQueryTree(d, parent, &root, &up, &children, &count)) return std::nullopt;
  std::optional<WindowInfo> found;
  for (unsigned int i = 0; i < count && !found; ++i) {
    char* name = nullptr;
    if (!XFetchName(d, children[i], &name) || !name) {
      if (depth + 1 < kMaxDepth) found = find_below(children[i], title, depth + 1);
      continue;
    }
    const bool match = std::strstr(name, title.c_str()) != nullptr;
    XFree(name);
    if (!match) continue;
    XWindowAttributes a;
    if (!XGetWindowAttributes(d, children[i], &a)) continue;
    int x = 0, y = 0;
    Window child;
    XTranslateCoordinates(d, children[i], root, 0, 0, &x, &y, &child);
    found = WindowInfo{children[i], x, y, uint32_t(a.width), uint32_t(a.height), a.map_state == IsViewable};
  }
  if (children) XFree(children);
  return found;
}

void XConnection::request_close(unsigned long window) {
  Display* d = static_cast<Display*>(display_);
  XEvent e{};
  e.xclient.type = ClientMessage;
  e.xclient.window = window;
  e.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
  e.xclient.format = 32;
  e.xclient.data.l[0] = long(XInternAtom(d, "WM_DELETE_WINDOW", False));
  e.xclient.data.l[1] = CurrentTime;
  XSendEvent(d, window, False, NoEventMask, &e);
  XFlush(d);
}

}  // namespace vugpu::test
