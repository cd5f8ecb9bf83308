// Time limits for everything that waits on the backend: a misbehaving backend makes a test fail
// with a message, never hang.
#pragma once
#include <algorithm>
#include <chrono>

namespace vugpu::frontend {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

class Deadline {
 public:
  explicit Deadline(Millis budget) : end_(Clock::now() + budget) {}
  static Deadline now() { return Deadline(Millis(0)); }

  bool expired() const { return Clock::now() >= end_; }
  // Milliseconds left for poll(), rounded up so that a poll never returns just before the end;
  // `cap` bounds it (to wake up periodically).
  int poll_ms(int cap = -1) const {
    const auto left = std::chrono::ceil<Millis>(end_ - Clock::now()).count();
    const int ms = int(std::clamp<long long>(left, 0, 1 << 30));
    return cap >= 0 ? std::min(ms, cap) : ms;
  }

 private:
  Clock::time_point end_;
};

}  // namespace vugpu::frontend
