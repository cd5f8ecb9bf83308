// The effective configuration as TOML (for --check-config): every key with the value in use,
// plugin tables with every declared option (defaults filled in). The output parses back into
// the same Config.
#pragma once
#include <span>
#include <string>
#include <vector>
#include "config/config.hpp"
#include "vugpu/options.hpp"

namespace vugpu {

struct ResolvedPluginOptions {
  std::string name;
  std::string file;                // the library the plugin came from
  std::vector<OptionSpec> specs;   // points into the loaded library: keep it loaded while printing
  OptionValues values;             // after resolve_plugin_options()
};

std::string format_effective_config(const Config& config, std::span<const ResolvedPluginOptions> plugins);

}  // namespace vugpu
