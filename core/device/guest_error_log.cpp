#include "device/guest_error_log.hpp"

namespace vugpu {

bool GuestErrorLog::allow() {
  const auto now = Clock::now();
  if (now - window_start_ >= kInterval) {
    if (suppressed_ != 0) log_.warn("guest errors: {} more in the last interval were not logged", suppressed_);
    window_start_ = now;
    in_window_ = 0;
    suppressed_ = 0;
  }
  if (in_window_ < kBurst) {
    ++in_window_;
    return true;
  }
  ++suppressed_;
  ++suppressed_total_;
  return false;
}

}  // namespace vugpu
