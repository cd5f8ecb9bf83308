// The driver's command line: a workload name, then --key=value options. Unknown keys are an
// error (a typo must not silently run the default).
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vugpu::bench {

class Options {
 public:
  Options(int argc, char** argv, int first);

  std::string text(const std::string& key, const std::string& fallback);
  uint32_t count(const std::string& key, uint32_t fallback);
  double number(const std::string& key, double fallback);
  // "1920x1080" -> {1920, 1080}; several sizes separated by commas.
  std::vector<std::pair<uint32_t, uint32_t>> sizes(const std::string& key, const std::string& fallback);
  std::vector<std::string> list(const std::string& key, const std::string& fallback);
  // Throws naming every option nobody asked for.
  void reject_unused() const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

}  // namespace vugpu::bench
