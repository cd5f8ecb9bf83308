#include "cpu_clock.hpp"
#include <filesystem>
#include <fstream>
#include <string>

namespace vugpu::bench {

std::optional<uint64_t> process_cpu_ns(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return std::nullopt;
  uint64_t total = 0;
  bool any = false;
  for (const auto& t : tasks) {
    std::ifstream in(t.path() / "schedstat");
    uint64_t on_cpu = 0;
    if (in >> on_cpu) {
      total += on_cpu;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return total;
}

}  // namespace vugpu::bench
