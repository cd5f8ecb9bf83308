// At most `burst` events per `window`; tells how many were dropped since the last one let
// through, so a log can say "(N similar lines suppressed)". Thread-safe.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace vugpu::virgl {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(uint32_t burst, Clock::duration window) : burst_(burst), window_(window) {}

  // nullopt: drop this event. Otherwise: let it through; the value is the number dropped
  // since the previous event that was let through.
  std::optional<uint64_t> admit(Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    if (now - window_start_ >= window_) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ >= burst_) {
      ++dropped_;
      return std::nullopt;
    }
    ++in_window_;
    const uint64_t dropped = dropped_;
    dropped_ = 0;
    return dropped;
  }

 private:
  const uint32_t burst_;
  const Clock::duration window_;
  std::mutex mutex_;
  Clock::time_point window_start_{};
  uint32_t in_window_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace vugpu::virgl
