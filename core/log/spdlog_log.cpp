#include "log/spdlog_log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <cstdlib>
#include "log/journal_format.hpp"

namespace vugpu {

namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::Trace: return spdlog::level::trace;
    case LogLevel::Debug: return spdlog::level::debug;
    case LogLevel::Info: return spdlog::level::info;
    case LogLevel::Warn: return spdlog::level::warn;
    case LogLevel::Error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> make_stderr_logger() {
  // Not registered in spdlog's global registry: several SpdLog objects (tests) may coexist.
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("vugpu", std::move(sink));
  logger->set_formatter(make_log_formatter(is_journal_stream(STDERR_FILENO, std::getenv("JOURNAL_STREAM"))));
  return logger;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "trace") return LogLevel::Trace;
  if (name == "debug") return LogLevel::Debug;
  if (name == "info") return LogLevel::Info;
  if (name == "warn" || name == "warning") return LogLevel::Warn;
  if (name == "error") return LogLevel::Error;
  return std::nullopt;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Trace: return "trace";
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

SpdLog::SpdLog(LogLevel level) : SpdLog(make_stderr_logger(), level) {}

SpdLog::SpdLog(std::shared_ptr<spdlog::logger> logger, LogLevel level)
    : logger_(std::move(logger)), level_(level) {
  // Filtering happens in enabled(); the logger itself lets everything through.
  logger_->set_level(spdlog::level::trace);
  logger_->flush_on(spdlog::level::trace);
}

void SpdLog::write(LogLevel level, std::string_view message) {
  if (enabled(level)) logger_->log(to_spdlog(level), "{}", message);
}

bool SpdLog::enabled(LogLevel level) const { return level >= level_.load(std::memory_order_relaxed); }

void SpdLog::set_level(LogLevel level) { level_.store(level, std::memory_order_relaxed); }

TaggedLog::TaggedLog(Log& base, std::string_view tag) : base_(base) {
  // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict for
  // `"[" + std::string + "] "` once inlined into std::list::emplace_back (GCC bug 105329).
  prefix_.reserve(tag.size() + 3);
  prefix_.append("[").append(tag).append("] ");
}

void TaggedLog::write(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(prefix_.size() + message.size());
  line.append(prefix_).append(message);
  base_.write(level, line);
}

}  // namespace vugpu
