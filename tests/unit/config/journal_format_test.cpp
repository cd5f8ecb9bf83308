// Log lines under systemd: "<priority>message" only when stderr really is the journal stream.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>
#include "log/journal_format.hpp"
#include "log/spdlog_log.hpp"

namespace vugpu {
namespace {

std::string stream_id(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

struct TempFile {
  char path[32] = "/tmp/vugpu-journal-XXXXXX";
  int fd = ::mkstemp(path);
  ~TempFile() {
    ::close(fd);
    ::unlink(path);
  }
};

TEST(JournalFormat, MatchesOnlyTheStreamJournalStreamNames) {
  TempFile journal, other;
  const std::string id = stream_id(journal.fd);
  EXPECT_TRUE(is_journal_stream(journal.fd, id.c_str()));
  EXPECT_FALSE(is_journal_stream(other.fd, id.c_str()));  // stderr redirected by a parent
  EXPECT_FALSE(is_journal_stream(journal.fd, nullptr));
  for (const std::string& bad : std::vector<std::string>{"", ":", id + "x", "x" + id, id.substr(0, id.find(':')), "12:-3"})
    EXPECT_FALSE(is_journal_stream(journal.fd, bad.c_str())) << bad;
}

std::vector<std::string> lines_written(bool journal) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  logger->set_formatter(make_log_formatter(journal));
  SpdLog log(logger, LogLevel::Trace);
  log.error("e {}", 1);
  log.warn("w");
  log.info("i");
  log.debug("d");
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(JournalFormat, JournalLinesCarryTheSyslogPriorityAndNoTimeStamp) {
  EXPECT_EQ(lines_written(true), (std::vector<std::string>{"<3>e 1", "<4>w", "<6>i", "<7>d"}));
}

TEST(JournalFormat, TerminalLinesCarryTimeAndLevelName) {
  const auto lines = lines_written(false);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].front(), '[');
  EXPECT_NE(lines[0].find("] [error] e 1"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("] [warning] w"), std::string::npos) << lines[1];
}

}  // namespace
}  // namespace vugpu
