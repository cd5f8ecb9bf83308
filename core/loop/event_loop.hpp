// The device's one event loop (epoll). Guest state is touched only on the thread that runs it,
// so the core needs no locks. Other threads reach it only through post().
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>
#include "vugpu/unique_fd.hpp"

namespace vugpu {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using WatchId = uint64_t;

  EventLoop();  // throws std::system_error when epoll/eventfd cannot be created
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Loop thread only. on_ready runs when fd is readable (or hung up / in error: the callback
  // finds out by reading). A callback may add or remove watches, its own included.
  WatchId watch(int fd, Callback on_ready);
  void unwatch(WatchId id);

  // Any thread: run fn on the loop thread, in posting order. Never runs fn inline.
  void post(Callback fn);

  // Runs until stop(). Returns false if epoll failed.
  bool run();
  // Runs what is ready now (posted work included), waiting at most timeout_ms (-1 forever).
  // Returns false if epoll failed.
  bool run_once(int timeout_ms);
  // Any thread (not from a signal handler: the daemon uses a signalfd): run() returns soon.
  void stop();

 private:
  void drain_posted();

  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: post() and stop() write it
  std::map<WatchId, std::pair<int, Callback>> watches_;
  WatchId next_id_ = 1;
  std::mutex mutex_;
  std::vector<Callback> posted_;
  bool stopping_ = false;
};

}  // namespace vugpu
