#include "host/stats_file.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace vugpu {

std::string stats_json(uint64_t bytes_copied, const DeviceStats& d) {
  return fmt::format(
      "{{\"bytes_copied\": {}, \"commands\": {}, \"errors\": {}, \"frames_presented\": {}, \"resources\": {}, "
      "\"host_bytes\": {}}}",
      bytes_copied, d.commands, d.errors, d.frames_presented, d.resources, d.host_bytes);
}

std::string write_stats_file(const std::string& path, const std::string& json) {
  const std::string temporary = fmt::format("{}.tmp-{}", path, ::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (!out) return fmt::format("cannot write {}: {}", temporary, std::strerror(errno));
    out << json << '\n';
    out.flush();
    if (!out) return fmt::format("cannot write {}: {}", temporary, std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return fmt::format("cannot write {}: {}", path, ec.message());
  }
  return {};
}

}  // namespace vugpu
