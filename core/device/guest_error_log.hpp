// Rate limit for the log lines a guest can cause. A hostile guest can send a bad command in a
// tight loop; each one is answered, but only a burst of lines per interval reaches the log, then
// one line says how many were left out. Device loop thread only.
#pragma once
#include <chrono>
#include <cstdint>
#include "vugpu/log.hpp"

namespace vugpu {

class GuestErrorLog {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr uint32_t kBurst = 20;
  static constexpr std::chrono::milliseconds kInterval{1000};

  explicit GuestErrorLog(Log& log) : log_(log) {}

  // Logs `format(args...)` as a warning when the budget of this interval allows; formats nothing
  // otherwise (a flood costs a counter increment per error).
  template <typename... Args>
  void report(fmt::format_string<Args...> f, Args&&... args) {
    if (!allow()) return;
    log_.warn(f, std::forward<Args>(args)...);
  }

  uint64_t suppressed_total() const { return suppressed_total_; }

 private:
  bool allow();

  Log& log_;
  Clock::time_point window_start_{};
  uint32_t in_window_ = 0;
  uint64_t suppressed_ = 0, suppressed_total_ = 0;
};

}  // namespace vugpu
