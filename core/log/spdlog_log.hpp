// The core's Log: one spdlog logger writing to stderr. Every plugin and core area logs through
// a vugpu::Log, so all lines share one time stamp format and level filter.
// Thread-safe: any thread may write; set_level() is meant for start-up.
#pragma once
#include <spdlog/logger.h>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include "vugpu/log.hpp"

namespace vugpu {

// "trace", "debug", "info", "warn" (or "warning"), "error"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view to_string(LogLevel level);

class SpdLog final : public Log {
 public:
  // Writes to stderr: "[time] [level] message", or "<priority>message" when stderr is
  // systemd's journal (journal_format.hpp).
  explicit SpdLog(LogLevel level = LogLevel::Info);
  // Writes to an existing spdlog logger (tests capture lines with an ostream sink).
  SpdLog(std::shared_ptr<spdlog::logger> logger, LogLevel level);

  void write(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel level) const override;
  void set_level(LogLevel level);
  LogLevel level() const { return level_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<LogLevel> level_;
};

// Prefixes every line with "[tag] " (the plugin's name) and forwards to another Log.
class TaggedLog final : public Log {
 public:
  TaggedLog(Log& base, std::string_view tag);
  void write(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel level) const override { return base_.enabled(level); }

 private:
  Log& base_;
  std::string prefix_;
};

}  // namespace vugpu
