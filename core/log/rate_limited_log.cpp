#include "log/rate_limited_log.hpp"

namespace vugpu {

RateLimitedLog::RateLimitedLog(Log& log, uint32_t lines_per_window, LogLevel level,
                               std::chrono::milliseconds window, Clock clock)
    : log_(log), lines_per_window_(lines_per_window), level_(level), window_(window),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

RateLimitedLog::~RateLimitedLog() { flush(); }

bool RateLimitedLog::admit(std::string_view category) {
  if (!log_.enabled(level_)) return false;
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  report_expired(now, false);
  auto it = categories_.find(category);
  if (it == categories_.end()) it = categories_.emplace(std::string(category), Category{now}).first;
  Category& c = it->second;
  if (c.written < lines_per_window_) {
    ++c.written;
    return true;
  }
  ++c.suppressed;
  ++suppressed_total_;
  return false;
}

void RateLimitedLog::emit(std::string_view category, std::string_view message) {
  log_.write(level_, fmt::format("{}: {}", category, message));
}

// Caller holds mutex_. Starts a new window for every category whose window is over (or all),
// writing its summary when lines were dropped.
void RateLimitedLog::report_expired(std::chrono::steady_clock::time_point now, bool all) {
  for (auto& [name, c] : categories_) {
    if (!all && now - c.window_start < window_) continue;
    if (c.suppressed > 0)
      log_.write(level_, fmt::format("{}: suppressed {} similar line(s) in {} ms", name, c.suppressed,
                                     std::chrono::duration_cast<std::chrono::milliseconds>(now - c.window_start).count()));
    c = Category{now};
  }
}

void RateLimitedLog::flush() {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  report_expired(now, true);
}

uint64_t RateLimitedLog::suppressed_total() const {
  std::lock_guard lock(mutex_);
  return suppressed_total_;
}

}  // namespace vugpu
