#include "plugin/search_path.hpp"

#include <fmt/format.h>
#include <cstdlib>
#include <string_view>

namespace vugpu {

std::vector<PluginFolder> plugin_search_path(const char* env_value, const std::vector<std::string>& config_folders) {
  std::vector<PluginFolder> out;
  auto add = [&](std::string_view folder, const char* origin) {
    if (folder.empty()) return;
    std::filesystem::path p = std::filesystem::path(folder).lexically_normal();
    if (!p.has_filename() && p.has_relative_path()) p = p.parent_path();  // "/b/" and "/b" are one folder
    for (const auto& f : out)
      if (f.path == p) return;
    out.push_back({std::move(p), origin});
  };
  if (env_value) {
    std::string_view rest = env_value;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      add(rest.substr(0, colon), "VUGPU_PLUGIN_PATH");
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  for (const auto& folder : config_folders) add(folder, "plugin_path");
  add(VUGPU_PLUGIN_DIR, "built-in");
  return out;
}

std::vector<PluginFolder> plugin_search_path(const std::vector<std::string>& config_folders) {
  return plugin_search_path(std::getenv("VUGPU_PLUGIN_PATH"), config_folders);
}

std::string describe(const std::vector<PluginFolder>& folders) {
  std::string out;
  for (const auto& f : folders) out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", f.path.string(), f.origin);
  return out;
}

std::string plugin_file_name(std::string_view plugin_name) { return fmt::format("vugpu-{}.so", plugin_name); }

}  // namespace vugpu
