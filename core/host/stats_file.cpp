#include "host/stats_file.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace vugpu {

namespace {

// A JSON string literal: names come from plugins, so quotes, backslashes and control
// characters are escaped.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + '"';
}

// {"present.egl-headless": {"frames": 3, "composed": 3}, ...}: plugins without counters left out.
std::string plugins_json(const std::vector<PluginCounters>& plugins) {
  std::string out = "{";
  for (const PluginCounters& p : plugins) {
    if (p.counters.empty()) continue;
    if (out.size() > 1) out += ", ";
    out += json_string(p.plugin) + ": {";
    for (size_t i = 0; i < p.counters.size(); ++i)
      out += fmt::format("{}{}: {}", i ? ", " : "", json_string(p.counters[i].name), p.counters[i].value);
    out += '}';
  }
  return out + '}';
}

}  // namespace

std::string stats_json(uint64_t bytes_copied, const DeviceStats& d, uint64_t presenter_bytes_copied,
                       const std::vector<PluginCounters>& plugins) {
  return fmt::format(
      "{{\"bytes_copied\": {}, \"device_bytes_copied\": {}, \"presenter_bytes_copied\": {}, \"commands\": {}, "
      "\"errors\": {}, \"frames_presented\": {}, \"resources\": {}, \"host_bytes\": {}, \"blob_resources_created\": {}, "
      "\"blob_scanouts_set\": {}, \"blob_frames_presented\": {}, \"blob_views\": {}, \"blob_mappings\": {}, "
      "\"plugins\": {}}}",
      bytes_copied, bytes_copied - std::min(bytes_copied, presenter_bytes_copied), presenter_bytes_copied, d.commands,
      d.errors, d.frames_presented, d.resources, d.host_bytes, d.blob_resources_created, d.blob_scanouts_set,
      d.blob_frames_presented, d.blob_views, d.blob_mappings, plugins_json(plugins));
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
