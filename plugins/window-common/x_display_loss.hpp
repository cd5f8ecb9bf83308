// When the X server goes away under a windowed presenter. Xlib's IO error handler calls exit()
// by default (GDK's calls _exit()): a library inside the daemon would end vugpu silently. Every
// thread of a presenter that makes X calls (its toolkit thread; SDL's waker, which pushes the
// wake-up events SDL sends through X) registers itself here; an IO error on such a thread runs
// the presenter's reaction to the loss (once) and parks that thread for good: it never returns
// into Xlib or the toolkit, which cannot go on without their connection, so nothing calls
// exit(). The presenter's stop() then detaches a parked thread instead of joining it (its
// windows are left to the process's end).
//
// The reaction: one error line naming the display and what happens next; the mailbox closed
// (every frame released as it arrives: the guest never waits for a window that is gone); with
// close = "exit" vugpu stopped with exit status 1 (HostServices::request_stop: a lost display is
// a failure), else it goes on serving the guest (other presenters still show it).
//
// Xlib's IO error handler is process-wide: each registration (re)installs ours over whatever
// the toolkit installed when it opened the display (GDK does). An IO error on a thread that did
// not register goes to the handler ours replaced. X11 only: under Wayland the toolkits report a
// lost display their own way.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include "scanout_mailbox.hpp"
#include "toolkit_thread.hpp"
#include "vugpu/log.hpp"
#include "window_options.hpp"

namespace vugpu::window {

class XDisplayLoss {
 public:
  // `request_stop`: HostServices::request_stop (any thread).
  XDisplayLoss(Log& log, CloseAction close, ScanoutMailbox& mailbox, std::function<void(int)> request_stop)
      : log_(log), close_(close), mailbox_(mailbox), request_stop_(std::move(request_stop)) {}

  // The display's name for the error line (":0"). Before the first watch_this_thread().
  void set_display(std::string name) { display_ = std::move(name); }

  // On a thread of this presenter that makes X calls, after the toolkit opened the display. An
  // IO error on it: the reaction above (first thread only), `end.parked()`, park. This object,
  // the log and the mailbox must outlive the thread's running life (a parked thread touches
  // nothing after end.parked()).
  void watch_this_thread(ToolkitThreadEnd& end);

  bool happened() const { return happened_.load(); }  // any thread

 private:
  void react();

  Log& log_;
  const CloseAction close_;
  ScanoutMailbox& mailbox_;
  std::function<void(int)> request_stop_;
  std::string display_;
  std::atomic<bool> happened_{false};
};

}  // namespace vugpu::window
