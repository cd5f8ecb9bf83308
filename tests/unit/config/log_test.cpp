// The core's Log over spdlog, the tagged log plugins get, and the rate limit for guest errors.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <sstream>
#include "log/rate_limited_log.hpp"
#include "log/spdlog_log.hpp"

namespace vugpu {
namespace {

struct CapturedLog {
  std::ostringstream out;
  SpdLog log;
  explicit CapturedLog(LogLevel level)
      : log(std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_st>(out)), level) {}
  std::vector<std::string> lines() const {
    std::vector<std::string> result;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
  }
};

bool ends_with(const std::string& s, std::string_view suffix) { return std::string_view(s).ends_with(suffix); }

TEST(Log, LevelsParseAndFilter) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::Debug);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::Warn);
  EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
  CapturedLog c(LogLevel::Warn);
  c.log.info("hidden {}", 1);
  c.log.warn("shown {}", 2);
  c.log.error("shown {}", 3);
  const auto lines = c.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(ends_with(lines[0], "shown 2"));
  EXPECT_NE(lines[0].find("[warning]"), std::string::npos) << lines[0];
  c.log.set_level(LogLevel::Trace);
  EXPECT_TRUE(c.log.enabled(LogLevel::Trace));
}

TEST(Log, TaggedLogPrefixesThePluginName) {
  CapturedLog c(LogLevel::Info);
  TaggedLog tagged(c.log, "present.headless");
  tagged.info("{} frames", 3);
  tagged.debug("not shown");
  const auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(ends_with(lines[0], "[present.headless] 3 frames")) << lines[0];
}

TEST(RateLimitedLog, AtMostNPerWindowPerCategoryThenASummary) {
  CapturedLog c(LogLevel::Info);
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  RateLimitedLog limited(c.log, 3, LogLevel::Warn, std::chrono::seconds(1), [&] { return now; });
  for (int i = 0; i < 10; ++i) limited.write("transfer", "bad rect {}", i);
  limited.write("attach", "bad backing");  // another category has its own budget
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(ends_with(lines[0], "transfer: bad rect 0"));
  EXPECT_TRUE(ends_with(lines[2], "transfer: bad rect 2"));
  EXPECT_TRUE(ends_with(lines[3], "attach: bad backing"));
  EXPECT_EQ(limited.suppressed_total(), 7u);

  now += std::chrono::milliseconds(1500);  // the window is over: next line brings the summary
  limited.write("transfer", "bad rect {}", 10);
  lines = c.lines();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_TRUE(ends_with(lines[4], "transfer: suppressed 7 similar line(s) in 1500 ms")) << lines[4];
  EXPECT_TRUE(ends_with(lines[5], "transfer: bad rect 10"));
}

TEST(RateLimitedLog, FlushReportsPendingSummaries) {
  CapturedLog c(LogLevel::Info);
  auto now = std::chrono::steady_clock::time_point{};
  {
    RateLimitedLog limited(c.log, 1, LogLevel::Warn, std::chrono::seconds(1), [&] { return now; });
    limited.write_line("cursor", "x");
    limited.write_line("cursor", "y");
    limited.write_line("cursor", "z");
  }  // destruction flushes
  const auto lines = c.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(ends_with(lines[1], "cursor: suppressed 2 similar line(s) in 0 ms")) << lines[1];
}

TEST(RateLimitedLog, NothingFormattedWhenTheLevelIsOff) {
  CapturedLog c(LogLevel::Error);
  RateLimitedLog limited(c.log, 5);
  limited.write("transfer", "bad {}", 1);
  EXPECT_TRUE(c.lines().empty());
  EXPECT_EQ(limited.suppressed_total(), 0u);
}

}  // namespace
}  // namespace vugpu
