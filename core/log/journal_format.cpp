#include "log/journal_format.hpp"

#include <spdlog/pattern_formatter.h>
#include <sys/stat.h>
#include <charconv>
#include <string_view>

namespace vugpu {

namespace {

// sd-daemon(3)'s SD_ERR..SD_DEBUG: syslog priorities.
char priority_digit(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical: return '2';
    case spdlog::level::err: return '3';
    case spdlog::level::warn: return '4';
    case spdlog::level::info: return '6';
    default: return '7';  // debug, trace
  }
}

class PriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    dest.push_back(priority_digit(msg.level));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<PriorityFlag>(); }
};

bool parse_number(std::string_view text, unsigned long long& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

bool is_journal_stream(int fd, const char* journal_stream) {
  if (journal_stream == nullptr) return false;
  const std::string_view value(journal_stream);
  const size_t colon = value.find(':');
  unsigned long long dev = 0, ino = 0;
  if (colon == std::string_view::npos || !parse_number(value.substr(0, colon), dev) ||
      !parse_number(value.substr(colon + 1), ino))
    return false;
  struct stat st {};
  return ::fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(bool journal) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (journal)
    formatter->add_flag<PriorityFlag>('*').set_pattern("<%*>%v");
  else
    formatter->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  return formatter;
}

}  // namespace vugpu
