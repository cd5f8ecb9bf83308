#include "copy_counter.hpp"
#include <signal.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vugpu::bench {

namespace {

std::optional<uint64_t> parse_field(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\"";
  const auto at = json.find(key);
  if (at == std::string::npos) return std::nullopt;
  const auto colon = json.find(':', at + key.size());
  if (colon == std::string::npos) return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(json.c_str() + colon + 1, &end, 10);
  if (end == json.c_str() + colon + 1) return std::nullopt;
  return uint64_t(v);
}

}  // namespace

CopyCounter::CopyCounter() {
  static std::atomic<unsigned> serial{0};
  path_ = "/tmp/vugpu-bench-stats-" + std::to_string(::getpid()) + "-" + std::to_string(serial++) + ".json";
}

CopyCounter::~CopyCounter() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

std::optional<uint64_t> CopyCounter::read(pid_t pid) {
  // The daemon writes the file with a rename: once it exists again it is whole and new.
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  device_bytes_.reset();
  if (::kill(pid, SIGUSR1) != 0) return std::nullopt;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < end) {
    std::ifstream in(path_);
    if (in) {
      std::stringstream s;
      s << in.rdbuf();
      device_bytes_ = parse_field(s.str(), "device_bytes_copied");
      return parse_field(s.str(), "bytes_copied");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return std::nullopt;
}

}  // namespace vugpu::bench
