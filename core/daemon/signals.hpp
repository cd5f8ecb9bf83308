// Signals, the daemon way: blocked in every thread and read from a signalfd on the device loop,
// so a handler can do real work (stop the loop, write a file) safely.
//   SIGTERM, SIGINT: stop cleanly.   SIGUSR1: write the stats file.   SIGPIPE: ignored (a VMM
//   that vanished is seen as an error on the socket, not as a signal).
#pragma once
#include <functional>
#include "loop/event_loop.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu {

// Call first in main(), before any thread exists (plugins may start threads; they inherit the
// mask). Throws std::system_error.
void block_daemon_signals();

class SignalWatch {
 public:
  // on_signal(signo) runs on the loop thread. Throws std::system_error.
  SignalWatch(EventLoop& loop, std::function<void(int)> on_signal);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  void drain();

  EventLoop& loop_;
  std::function<void(int)> on_signal_;
  UniqueFd fd_;
  EventLoop::WatchId watch_ = 0;
};

}  // namespace vugpu
