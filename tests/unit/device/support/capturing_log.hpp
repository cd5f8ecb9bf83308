// A Log that keeps its lines (tests read what the device logged). Thread-safe.
#pragma once
#include <mutex>
#include <string>
#include <vector>
#include "vugpu/log.hpp"

namespace vugpu::test {

class CapturingLog final : public Log {
 public:
  void write(LogLevel, std::string_view message) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(message);
  }
  bool enabled(LogLevel) const override { return true; }

  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  size_t count_containing(std::string_view needle) const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& l : lines_) n += l.find(needle) != std::string::npos;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace vugpu::test
