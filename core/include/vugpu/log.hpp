// Logging as a plugin sees it: a sink the core owns (spdlog behind it). Plugins never pick a
// logging library of their own, so every line carries the same time stamp, level and source.
// Thread-safe: any thread may log.
#pragma once
#include <fmt/format.h>
#include <string_view>

namespace vugpu {

enum class LogLevel { Trace, Debug, Info, Warn, Error };

class Log {
 public:
  virtual ~Log() = default;
  virtual void write(LogLevel level, std::string_view message) = 0;
  virtual bool enabled(LogLevel level) const = 0;

  template <typename... Args>
  void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(level)) write(level, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args> void debug(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Debug, f, std::forward<Args>(a)...); }
  template <typename... Args> void info(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Info, f, std::forward<Args>(a)...); }
  template <typename... Args> void warn(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Warn, f, std::forward<Args>(a)...); }
  template <typename... Args> void error(fmt::format_string<Args...> f, Args&&... a) { log(LogLevel::Error, f, std::forward<Args>(a)...); }
};

}  // namespace vugpu
