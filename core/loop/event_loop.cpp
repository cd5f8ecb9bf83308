#include "loop/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <cerrno>
#include <system_error>

namespace vugpu {

namespace {
constexpr uint64_t kWakeId = 0;  // epoll user data of the wake eventfd; watch ids start at 1
}  // namespace

EventLoop::EventLoop()
    : epoll_(epoll_create1(EPOLL_CLOEXEC)), wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!epoll_ || !wake_) throw std::system_error(errno, std::generic_category(), "event loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "event loop");
}

EventLoop::WatchId EventLoop::watch(int fd, Callback on_ready) {
  const WatchId id = next_id_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = id;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl add");
  watches_.emplace(id, Watch{fd, std::move(on_ready), nullptr});
  return id;
}

void EventLoop::watch_writable(WatchId id, Callback on_writable) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  epoll_event ev{};
  ev.events = EPOLLIN | (on_writable ? EPOLLOUT : 0u);
  ev.data.u64 = id;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, it->second.fd, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl mod");
  it->second.on_writable = std::move(on_writable);
}

void EventLoop::unwatch(WatchId id) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd, nullptr);
  watches_.erase(it);
}

void EventLoop::post(Callback fn) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    posted_.push_back(std::move(fn));
    wake = std::this_thread::get_id() != running_on_;  // else run_once() runs it before returning
  }
  if (!wake) return;
  const uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
}

void EventLoop::at_end_of_turn(Callback fn) {
  turn_end_.push_back(std::move(fn));
  bool inside;
  {
    std::lock_guard lock(mutex_);
    inside = std::this_thread::get_id() == running_on_;
  }
  if (inside) return;
  const uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
}

void EventLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
}

void EventLoop::drain_posted() {
  uint64_t count;
  [[maybe_unused]] auto n = ::read(wake_.get(), &count, sizeof count);
  run_posted();
}

void EventLoop::run_posted() {
  std::vector<Callback> work;
  {
    std::lock_guard lock(mutex_);
    work.swap(posted_);
  }
  for (auto& fn : work) fn();
}

bool EventLoop::run_once(int timeout_ms) {
  {
    std::lock_guard lock(mutex_);
    running_on_ = std::this_thread::get_id();
  }
  const bool ok = run_ready(timeout_ms);
  // What this turn's callbacks posted (they did not wake the loop), and what that work posted in
  // turn: short chains are the rule (an UPDATE's completion releases the frame, the release
  // completes the flush). A chain longer than kPostRounds continues in the next turn, so other
  // events are never starved by work that keeps posting work.
  constexpr int kPostRounds = 8;
  bool more = true;
  for (int round = 0; round < kPostRounds && more; ++round) {
    run_posted();
    std::lock_guard lock(mutex_);
    more = !posted_.empty();
  }
  std::vector<Callback> ending;
  ending.swap(turn_end_);
  for (auto& fn : ending) fn();  // what they post or ask for runs in the next turn
  {
    std::lock_guard lock(mutex_);
    running_on_ = {};
    more = !posted_.empty() || !turn_end_.empty();
  }
  if (more) {
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
  }
  return ok;
}

bool EventLoop::run_ready(int timeout_ms) {
  epoll_event events[32];
  const int n = epoll_wait(epoll_.get(), events, 32, timeout_ms);
  if (n < 0) return errno == EINTR;
  for (int i = 0; i < n; ++i) {
    const uint64_t id = events[i].data.u64;
    if (id == kWakeId) {
      drain_posted();
      continue;
    }
    const uint32_t what = events[i].events;
    // Input, hang-up and errors go to on_ready (it finds out by reading), then room to write
    // goes to on_writable. Each is looked up again: an earlier callback may have removed it.
    if (what & ~uint32_t{EPOLLOUT}) {
      auto it = watches_.find(id);
      if (it == watches_.end()) continue;
      Callback cb = it->second.on_ready;  // copy: the callback may unwatch itself
      cb();
    }
    if (what & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
      auto it = watches_.find(id);
      if (it == watches_.end() || !it->second.on_writable) continue;
      Callback cb = it->second.on_writable;
      cb();
    }
  }
  return true;
}

bool EventLoop::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        stopping_ = false;
        return true;
      }
    }
    if (!run_once(-1)) return false;
  }
}

}  // namespace vugpu
