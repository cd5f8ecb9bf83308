#include "host/stats_file.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace vugpu {

std::string stats_json(uint64_t bytes_copied, const DeviceStats& d, uint64_t presenter_bytes_copied) {
  return fmt::format(
      "{{\"bytes_copied\": {}, \"device_bytes_copied\": {}, \"presenter_bytes_copied\": {}, \"commands\": {}, "
      "\"errors\": {}, \"frames_presented\": {}, \"resources\": {}, \"host_bytes\": {}, \"blob_resources_created\": {}, "
      "\"blob_scanouts_set\": {}, \"blob_frames_presented\": {}}}",
      bytes_copied, bytes_copied - std::min(bytes_copied, presenter_bytes_copied), presenter_bytes_copied, d.commands,
      d.errors, d.frames_presented, d.resources, d.host_bytes, d.blob_resources_created, d.blob_scanouts_set,
      d.blob_frames_presented);
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
