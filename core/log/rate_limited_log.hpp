// Log lines caused by the guest. A guest can make every command fail, millions of times a
// second; the log must not turn that into a host problem. Per category (e.g. "transfer",
// "attach_backing"), at most `lines_per_window` lines are written per window (one second by
// default); the rest are counted and reported as one "suppressed K" line once the window is
// over (at the next line of any category, or at flush()/destruction).
//
// Threading: any thread (a mutex guards the counters; the device calls it from its loop).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include "vugpu/log.hpp"

namespace vugpu {

class RateLimitedLog {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit RateLimitedLog(Log& log, uint32_t lines_per_window = 10, LogLevel level = LogLevel::Warn,
                          std::chrono::milliseconds window = std::chrono::seconds(1), Clock clock = {});
  ~RateLimitedLog();
  RateLimitedLog(const RateLimitedLog&) = delete;
  RateLimitedLog& operator=(const RateLimitedLog&) = delete;

  // Formats (only when the line will be written) and writes "category: message".
  template <typename... Args>
  void write(std::string_view category, fmt::format_string<Args...> f, Args&&... args) {
    if (admit(category)) emit(category, fmt::format(f, std::forward<Args>(args)...));
  }
  void write_line(std::string_view category, std::string_view message) {
    if (admit(category)) emit(category, message);
  }

  // Writes the "suppressed" summaries still pending, whatever the window.
  void flush();
  // Lines suppressed so far, over all categories (tests, statistics).
  uint64_t suppressed_total() const;

 private:
  struct Category {
    std::chrono::steady_clock::time_point window_start;
    uint32_t written = 0;     // lines written in this window
    uint64_t suppressed = 0;  // lines dropped in this window
  };
  bool admit(std::string_view category);
  void emit(std::string_view category, std::string_view message);
  void report_expired(std::chrono::steady_clock::time_point now, bool all);

  Log& log_;
  const uint32_t lines_per_window_;
  const LogLevel level_;
  const std::chrono::milliseconds window_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Category, std::less<>> categories_;
  uint64_t suppressed_total_ = 0;
};

}  // namespace vugpu
