// wait_for_display: a toolkit thread whose display is named but not up yet (vugpu started at
// boot, before the X session) waits here, on its own thread, never on the device loop, until
// the toolkit can open it; the presenter's constructor has returned by then and vugpu serves the
// guest meanwhile. Whatever the mailbox gets while waiting is handed to `on_changes` at once
// (the presenter keeps the latest picture and releases each frame: kept_scanouts.hpp).
//
// How it waits, and why so: an idle wait costs no wake-up at all. The display's local socket
// (display_socket.hpp) is watched with inotify on its folder (/tmp/.X11-unix): an X server
// starting creates it, and only then is the toolkit tried. Timers only where no event exists,
// with a back-off from 50 ms to at most one try every 2 s: a socket that is there but refuses
// (a server between bind() and listen(), a stale file: a new server replaces the file, which
// inotify sees), a display that accepts but the toolkit cannot open (not authorised yet), and a
// display with no local socket (X over TCP). A poll on every few milliseconds, or a timer while
// the socket is absent, would wake an idle vugpu for nothing for hours.
//
// Threading: notify(), stop() and waiting() on any thread; wait() on the toolkit thread.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include "vugpu/log.hpp"

namespace vugpu::window {

class DisplayWaiter {
 public:
  DisplayWaiter();  // throws std::runtime_error when it cannot make its eventfd
  ~DisplayWaiter();
  DisplayWaiter(const DisplayWaiter&) = delete;
  DisplayWaiter& operator=(const DisplayWaiter&) = delete;

  // True from begin() until wait() returns: the mailbox's wake-ups go to notify(), not to the
  // toolkit, which is not running.
  bool waiting() const { return waiting_.load(); }
  void begin() { waiting_.store(true); }  // the toolkit thread, before the constructor returns
  void notify();  // the mailbox has changes
  void stop();    // wait() returns false, now or as soon as it is called

  // Until `try_open` opens the display (returns ""; else why not): true. stop(): false.
  // `on_changes` runs on this thread at the start and after each notify(). Logs one line when
  // it starts waiting, one when the display opened (`plugin`'s toolkit: "SDL", "GTK").
  bool wait(Log& log, const char* toolkit, const std::function<std::string()>& try_open,
            const std::function<void()>& on_changes);

 private:
  std::atomic<bool> waiting_{false}, stopped_{false};
  int event_fd_ = -1;
};

}  // namespace vugpu::window
