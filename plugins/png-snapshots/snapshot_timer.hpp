// The periodic snapshot tick (interval_ms > 0): a timerfd the device loop watches through
// HostServices::watch_fd. Device loop thread only.
#pragma once
#include <cstdint>
#include <functional>
#include "vugpu/host.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::snapshots {

class SnapshotTimer {
 public:
  // Calls on_tick every interval_ms (> 0) on the device loop. Throws std::runtime_error when
  // the timer cannot be made.
  SnapshotTimer(HostServices& host, int64_t interval_ms, std::function<void()> on_tick);
  ~SnapshotTimer();
  SnapshotTimer(const SnapshotTimer&) = delete;
  SnapshotTimer& operator=(const SnapshotTimer&) = delete;

 private:
  HostServices& host_;
  std::function<void()> on_tick_;
  UniqueFd timer_;
  HostServices::WatchId watch_ = 0;
};

}  // namespace vugpu::snapshots
