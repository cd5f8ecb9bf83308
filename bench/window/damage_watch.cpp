#include "damage_watch.hpp"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xdamage.h>
#include <poll.h>
#include <algorithm>
#include <stdexcept>

namespace vugpu::bench {

namespace {

Display* dpy(void* d) { return static_cast<Display*>(d); }
Region region(void* r) { return static_cast<Region>(r); }

int poll_ms(DamageWatch::Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - DamageWatch::Clock::now()).count();
  return int(std::clamp<int64_t>(left, 0, 1000));
}

// One colour channel of an XImage pixel, scaled to 8 bits.
uint8_t channel(unsigned long pixel, unsigned long mask) {
  if (mask == 0) return 0;
  int shift = 0;
  while (!(mask & 1)) mask >>= 1, ++shift;
  return uint8_t(((pixel >> shift) & mask) * 255 / mask);
}

// While the window is looked for, a window created a moment ago may be gone before our request
// reaches the server (SDL destroys and recreates its window to switch it to OpenGL): BadWindow
// on our own connection is expected then. Xlib's handler is per process and the presenter's
// toolkit in this process has its own, so everything else goes to the handler that was there.
Display* g_finding = nullptr;
XErrorHandler g_previous = nullptr;

int ignore_vanished_windows(Display* d, XErrorEvent* e) {
  if (d == g_finding && e->error_code == BadWindow) return 0;
  return g_previous ? g_previous(d, e) : 0;
}

// `display` is the watch's member: null once close() ran (a throw on the way).
struct VanishedWindowsIgnored {
  explicit VanishedWindowsIgnored(void* const& display) : display(display) {
    g_finding = dpy(display);
    g_previous = XSetErrorHandler(ignore_vanished_windows);
  }
  ~VanishedWindowsIgnored() {
    if (display) XSync(dpy(display), False);  // errors of our requests come while still ignored
    XSetErrorHandler(g_previous);
    g_finding = nullptr;
  }
  void* const& display;
};

}  // namespace

DamageWatch::DamageWatch(const std::string& display, const std::string& title, Clock::time_point deadline) {
  display_ = XOpenDisplay(display.c_str());
  if (!display_) throw std::runtime_error("cannot connect to X display " + display);
  int error_base = 0;
  if (!XDamageQueryExtension(dpy(display_), &damage_event_base_, &error_base)) {
    close();
    throw std::runtime_error("X display " + display + " has no DAMAGE extension");
  }
  covered_ = XCreateRegion();
  const VanishedWindowsIgnored vanished(display_);
  // Selected before the first look, so nothing happening in between goes unannounced: windows
  // created or mapped (the root's substructure) and their titles set later (each top-level
  // window's properties: SDL maps its window before it names it).
  const Window root = DefaultRootWindow(dpy(display_));
  XSelectInput(dpy(display_), root, SubstructureNotifyMask);
  Window unused_root = 0, unused_parent = 0, *children = nullptr;
  unsigned int count = 0;
  if (XQueryTree(dpy(display_), root, &unused_root, &unused_parent, &children, &count)) {
    for (unsigned int i = 0; i < count; ++i) XSelectInput(dpy(display_), children[i], PropertyChangeMask);
    if (children) XFree(children);
  }
  XSync(dpy(display_), False);
  test::XConnection finder(display);
  for (;;) {
    if (const auto w = finder.find(title); w && w->viewable) {
      window_ = w->id;
      break;
    }
    bool changed = false;
    while (!changed) {  // until a window appears, is mapped or renamed (then look again)
      if (XPending(dpy(display_)) == 0) {
        if (Clock::now() >= deadline) {
          close();
          throw std::runtime_error("no mapped window titled \"" + title + "\" on " + display);
        }
        pollfd p{ConnectionNumber(dpy(display_)), POLLIN, 0};
        ::poll(&p, 1, poll_ms(deadline));
        continue;
      }
      XEvent e;
      XNextEvent(dpy(display_), &e);
      if (e.type == CreateNotify) {
        XSelectInput(dpy(display_), e.xcreatewindow.window, PropertyChangeMask);
        XSync(dpy(display_), False);  // selected before `finder` looks at its title
      }
      changed = e.type == CreateNotify || e.type == MapNotify || e.type == PropertyNotify;
    }
  }
  XSelectInput(dpy(display_), root, NoEventMask);
  XSelectInput(dpy(display_), window_, NoEventMask);
  damage_ = XDamageCreate(dpy(display_), window_, XDamageReportRawRectangles);
  forget();
}

DamageWatch::~DamageWatch() { close(); }

void DamageWatch::close() {
  if (!display_) return;
  if (damage_) XDamageDestroy(dpy(display_), damage_);
  if (covered_) XDestroyRegion(region(covered_));
  XCloseDisplay(dpy(display_));
  display_ = nullptr;
  covered_ = nullptr;
  damage_ = 0;
}

void DamageWatch::forget() {
  // Where the window is now (a presenter may have resized it since the last frame).
  XWindowAttributes a{};
  XGetWindowAttributes(dpy(display_), window_, &a);
  int root_x = 0, root_y = 0;
  Window child = 0;
  XTranslateCoordinates(dpy(display_), window_, DefaultRootWindow(dpy(display_)), 0, 0, &root_x, &root_y, &child);
  const int screen_w = DisplayWidth(dpy(display_), DefaultScreen(dpy(display_)));
  const int screen_h = DisplayHeight(dpy(display_), DefaultScreen(dpy(display_)));
  const int x0 = std::max(root_x, 0), y0 = std::max(root_y, 0);
  const int x1 = std::min(root_x + a.width, screen_w), y1 = std::min(root_y + a.height, screen_h);
  visible_x_ = uint32_t(x0 - root_x);
  visible_y_ = uint32_t(y0 - root_y);
  visible_w_ = uint32_t(std::max(x1 - x0, 0));
  visible_h_ = uint32_t(std::max(y1 - y0, 0));

  XDamageSubtract(dpy(display_), damage_, None, None);
  XSync(dpy(display_), False);
  while (XPending(dpy(display_))) {
    XEvent e;
    XNextEvent(dpy(display_), &e);
  }
  XDestroyRegion(region(covered_));
  covered_ = XCreateRegion();
}

template <typename OnDamage>
bool DamageWatch::read_events(Clock::time_point deadline, OnDamage on_damage) {
  for (;;) {
    while (XPending(dpy(display_))) {
      XEvent e;
      XNextEvent(dpy(display_), &e);
      if (e.type != damage_event_base_ + XDamageNotify) continue;
      const auto& d = reinterpret_cast<const XDamageNotifyEvent&>(e);
      if (d.damage != damage_) continue;
      if (on_damage(d.area.x, d.area.y, d.area.width, d.area.height)) return true;
    }
    if (Clock::now() >= deadline) return false;
    pollfd p{ConnectionNumber(dpy(display_)), POLLIN, 0};
    ::poll(&p, 1, poll_ms(deadline));
  }
}

std::optional<DamageWatch::Clock::time_point> DamageWatch::wait_covered(Clock::time_point deadline,
                                                                        const std::function<bool()>& is_new,
                                                                        uint64_t& stale) {
  if (visible_w_ == 0 || visible_h_ == 0) return std::nullopt;
  Clock::time_point when;
  const bool covered = read_events(deadline, [&](int x, int y, int w, int h) {
    XRectangle r{short(x), short(y), static_cast<unsigned short>(w), static_cast<unsigned short>(h)};
    XUnionRectWithRegion(&r, region(covered_), region(covered_));
    if (XRectInRegion(region(covered_), int(visible_x_), int(visible_y_), visible_w_, visible_h_) != RectangleIn)
      return false;
    when = Clock::now();
    if (is_new()) return true;
    ++stale;
    XDestroyRegion(region(covered_));
    covered_ = XCreateRegion();
    return false;
  });
  if (!covered) return std::nullopt;
  return when;
}

uint64_t DamageWatch::count_until(Clock::time_point until) {
  uint64_t reports = 0;
  read_events(until, [&](int, int, int, int) {
    ++reports;
    return false;
  });
  return reports;
}

void DamageWatch::wait_quiet(Clock::duration quiet, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    const auto until = std::min(Clock::now() + quiet, deadline);
    if (!read_events(until, [](int, int, int, int) { return true; })) return;  // quiet for `quiet`
  }
}

test::Rgb DamageWatch::pixel(int x, int y) {
  XImage* image = XGetImage(dpy(display_), window_, x, y, 1, 1, AllPlanes, ZPixmap);
  if (!image) throw std::runtime_error("XGetImage failed");
  const unsigned long p = XGetPixel(image, 0, 0);
  const test::Rgb rgb{channel(p, image->red_mask), channel(p, image->green_mask), channel(p, image->blue_mask)};
  XDestroyImage(image);
  return rgb;
}

}  // namespace vugpu::bench
