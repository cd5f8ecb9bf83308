// The device's one event loop (epoll). Guest state is touched only on the thread that runs it,
// so the core needs no locks. Other threads reach it only through post().
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
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
  // Loop thread only. While set, on_writable runs whenever the watched fd can take more bytes
  // (EPOLLOUT, level-triggered: set it empty once nothing is left to write, or it runs on every
  // turn); on_ready still runs for input, hang-up and errors. Each call re-evaluates the fd at
  // once (EPOLL_CTL_MOD), so a writer that changed what "writable" means (a smaller SO_SNDBUF)
  // is told by the new rule. Throws std::system_error when epoll refuses.
  void watch_writable(WatchId id, Callback on_writable);

  // Any thread: run fn on the loop thread, in posting order. Never runs fn inline. Work posted by
  // a callback of run_once() runs before that run_once() returns, without a wake-up (an eventfd
  // write, an epoll_wait and a read: a flush's release costs two such posts per frame).
  void post(Callback fn);

  // Loop thread only: runs fn once this turn's work is done (the callbacks and what they posted),
  // once: e.g. one notification for all the completions of a turn. Called outside run_once(), fn
  // runs at the end of the next turn, which is woken for it.
  void at_end_of_turn(Callback fn);

  // Runs until stop(). Returns false if epoll failed.
  bool run();
  // Runs what is ready now (posted work included), waiting at most timeout_ms (-1 forever).
  // Returns false if epoll failed.
  bool run_once(int timeout_ms);
  // Any thread (not from a signal handler: the daemon uses a signalfd): run() returns soon.
  void stop();

 private:
  bool run_ready(int timeout_ms);  // one epoll_wait and the callbacks of what it reported
  void drain_posted();
  void run_posted();

  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: post() and stop() write it
  struct Watch {
    int fd;
    Callback on_ready;
    Callback on_writable;  // empty: not watched for EPOLLOUT
  };
  std::map<WatchId, Watch> watches_;
  WatchId next_id_ = 1;
  std::mutex mutex_;
  std::vector<Callback> posted_;
  std::thread::id running_on_;  // the thread inside run_once(), if any (under mutex_)
  std::vector<Callback> turn_end_;  // loop thread only
  bool stopping_ = false;
};

}  // namespace vugpu
