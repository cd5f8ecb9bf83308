// Where plugins are looked for, in order: VUGPU_PLUGIN_PATH (colon-separated), the config's
// plugin_path, then the folder compiled in (VUGPU_PLUGIN_DIR, ${libdir}/vugpu/plugins).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace vugpu {

struct PluginFolder {
  std::filesystem::path path;
  std::string origin;  // "VUGPU_PLUGIN_PATH", "plugin_path", "built-in"
};

// `env_value` is VUGPU_PLUGIN_PATH's value (null when unset). Empty entries are skipped and
// duplicates keep their first place.
std::vector<PluginFolder> plugin_search_path(const char* env_value, const std::vector<std::string>& config_folders);
// Same, reading the environment.
std::vector<PluginFolder> plugin_search_path(const std::vector<std::string>& config_folders);

// "/a (VUGPU_PLUGIN_PATH), /b (built-in)"
std::string describe(const std::vector<PluginFolder>& folders);

// The file a plugin lives in: "vugpu-" + name + ".so".
std::string plugin_file_name(std::string_view plugin_name);

}  // namespace vugpu
