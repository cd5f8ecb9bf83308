#include "snapshot_timer.hpp"

#include <sys/timerfd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vugpu::snapshots {

SnapshotTimer::SnapshotTimer(HostServices& host, int64_t interval_ms, std::function<void()> on_tick)
    : host_(host), on_tick_(std::move(on_tick)) {
  timer_ = UniqueFd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer_) throw std::runtime_error(std::string("timerfd: ") + std::strerror(errno));
  itimerspec spec{};
  spec.it_interval.tv_sec = interval_ms / 1000;
  spec.it_interval.tv_nsec = (interval_ms % 1000) * 1000000;
  spec.it_value = spec.it_interval;
  if (::timerfd_settime(timer_.get(), 0, &spec, nullptr) != 0)
    throw std::runtime_error(std::string("timerfd_settime: ") + std::strerror(errno));
  watch_ = host_.watch_fd(timer_.get(), [this] {
    uint64_t expirations = 0;
    [[maybe_unused]] auto n = ::read(timer_.get(), &expirations, sizeof expirations);
    on_tick_();
  });
}

SnapshotTimer::~SnapshotTimer() { host_.unwatch_fd(watch_); }

}  // namespace vugpu::snapshots
