#include "memory_usage.hpp"
#include <fstream>
#include <string>

namespace vugpu::bench {

std::optional<MemoryUsage> read_memory_usage(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  if (!status) return std::nullopt;
  MemoryUsage m;
  std::string key;
  uint64_t kib = 0;
  while (status >> key) {
    uint64_t* field = key == "VmRSS:" ? &m.rss : key == "RssAnon:" ? &m.anon : key == "RssFile:" ? &m.file
                    : key == "RssShmem:" ? &m.shmem : nullptr;
    if (field && status >> kib) *field = kib * 1024;
    status.ignore(1 << 20, '\n');
  }
  return m.rss ? std::optional(m) : std::nullopt;
}

}  // namespace vugpu::bench
