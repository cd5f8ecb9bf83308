// A file descriptor together with its EventLoop watch. The watch is always removed before the
// fd is closed: closing first would let the fd number be reused by another file while the loop
// still holds a watch (and a later unwatch would then remove the wrong file from epoll).
// Device loop thread only.
#pragma once
#include <functional>
#include <utility>
#include "loop/event_loop.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::vhost {

class WatchedFd {
 public:
  WatchedFd() = default;
  ~WatchedFd() { reset(); }
  WatchedFd(const WatchedFd&) = delete;
  WatchedFd& operator=(const WatchedFd&) = delete;

  // Takes fd and watches it. Throws what EventLoop::watch throws (the fd is closed then).
  void watch(EventLoop& loop, UniqueFd fd, std::function<void()> on_readable) {
    reset();
    fd_ = std::move(fd);
    try {
      id_ = loop.watch(fd_.get(), std::move(on_readable));
    } catch (...) {
      fd_.reset();
      throw;
    }
    loop_ = &loop;
  }
  // While set, on_writable runs whenever the fd can take more bytes (EventLoop::watch_writable);
  // empty stops that. Nothing happens when no fd is watched.
  void watch_writable(std::function<void()> on_writable) {
    if (loop_ != nullptr) loop_->watch_writable(id_, std::move(on_writable));
  }
  void reset() {
    if (loop_ != nullptr) loop_->unwatch(id_);
    loop_ = nullptr;
    fd_.reset();
  }
  int get() const { return fd_.get(); }
  explicit operator bool() const { return static_cast<bool>(fd_); }

 private:
  UniqueFd fd_;
  EventLoop* loop_ = nullptr;
  EventLoop::WatchId id_ = 0;
};

}  // namespace vugpu::vhost
