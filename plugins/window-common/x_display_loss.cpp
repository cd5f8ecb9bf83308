#include "x_display_loss.hpp"

#include <X11/Xlib.h>
#include <X11/Xlibint.h>  // Display's lock state (release_display_locks)
#include <pthread.h>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace vugpu::window {

namespace {

thread_local std::function<void()> t_on_lost;  // this thread's reaction, or empty

std::mutex g_install_mutex;
XIOErrorHandler g_previous = nullptr;  // the handler ours replaced (Xlib's default, or GDK's)

[[noreturn]] void park_forever() {
  // A futex wait that nothing ends: the daemon's sandbox allows futex on every thread.
  std::mutex m;
  std::condition_variable never;
  std::unique_lock lock(m);
  for (;;) never.wait(lock);
}

// The most XLockDisplay levels a toolkit thread may hold when its call meets the IO error.
constexpr int kMaxUserLockLevels = 16;

// A parked thread must hold no lock of the display, or every later use of it blocks for good
// (libGLX's destructor at the process's exit uses it: GDK's libepoxy and SDL's GL renderer load
// libGLX). Xlib 1.8 gets here with: the user lock (XLockDisplay's, a count) _XIOError takes for
// its caller's exit, plus any level the toolkit held around the failing call (seen: GTK drawing
// a frame, XSync inside cairo, left at level 1 after one unlock: the exit then hung); and,
// inside XIfEvent or XCheckIfEvent (SDL waits in one), the display mutex that call holds, its
// inner lock and unlock skipped while `in_ifevent` marks this thread. Every user level goes:
// Xlib clamps the count at 0, so unlocking more often than it was locked does nothing, and no
// other thread can use the display any more (Xlib marked the connection dead: every later call
// fails at once).
void release_display_locks(Display* display) {
  if (display->in_ifevent && pthread_equal(display->ifevent_thread, pthread_self())) {
    display->in_ifevent = 0;
    UnlockDisplay(display);
  }
  for (int i = 0; i < kMaxUserLockLevels; ++i) XUnlockDisplay(display);
}

int on_x_io_error(Display* display) {
  if (!t_on_lost) return g_previous ? g_previous(display) : 0;
  t_on_lost();
  release_display_locks(display);
  park_forever();
}

}  // namespace

void XDisplayLoss::watch_this_thread(ToolkitThreadEnd& end) {
  t_on_lost = [this, &end] {
    react();
    end.parked();  // last: stop() may free this object from here on
  };
  std::lock_guard lock(g_install_mutex);
  XIOErrorHandler current = XSetIOErrorHandler(on_x_io_error);
  if (current != on_x_io_error) g_previous = current;
}

void XDisplayLoss::react() {
  if (happened_.exchange(true)) return;  // another thread of this presenter met it first
  mailbox_.close();
  if (close_ == CloseAction::Exit) {
    log_.error("X display {} lost (the X server went away or dropped the connection): stopping vugpu with exit status 1 "
               "(close = \"exit\")",
               display_);
    request_stop_(1);
  } else {
    log_.error("X display {} lost (the X server went away or dropped the connection): its windows are gone, vugpu goes "
               "on serving the guest without them (close = \"{}\"; \"exit\" stops vugpu instead)",
               display_, close_ == CloseAction::Hide ? "hide" : "ignore");
  }
}

}  // namespace vugpu::window
