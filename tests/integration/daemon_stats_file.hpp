// The daemon's counters as a test reads them: `--stats-file` in a private temporary file, asked
// for with SIGUSR1 (the daemon writes it whole, through a rename, so a test never reads half a
// file), and read again after the daemon exits (it writes a last one then).
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <filesystem>
#include <string>
#include "harness.hpp"

namespace vugpu::itest {

class DaemonStatsFile {
 public:
  explicit DaemonStatsFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".json")) {
    std::filesystem::remove(path_);
  }
  ~DaemonStatsFile() { std::filesystem::remove(path_); }
  DaemonStatsFile(const DaemonStatsFile&) = delete;
  DaemonStatsFile& operator=(const DaemonStatsFile&) = delete;

  std::string arg() const { return "--stats-file=" + path_.string(); }

  // Asks the running daemon for its counters and waits for the file (a safety net of 10 s: it
  // appears as soon as the daemon's loop handled the signal).
  boost::property_tree::ptree read(BackendProcess& backend) {
    std::filesystem::remove(path_);
    backend.signal(SIGUSR1);
    EXPECT_TRUE(eventually([&] { return std::filesystem::exists(path_); }, Millis(10000))) << "no stats file after SIGUSR1";
    return read_last();
  }

  // What the file holds now: the daemon's last word once it has exited.
  boost::property_tree::ptree read_last() const {
    boost::property_tree::ptree tree;
    boost::property_tree::read_json(path_.string(), tree);
    return tree;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace vugpu::itest
