// Start-up steps shared by every mode of the daemon: which configuration applies, and which
// plugins it selects (opened, checked, options validated; nothing created yet). Every failure
// is an exception with one line (ConfigError / PluginError), before anything is served.
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>
#include "config/config.hpp"
#include "config/config_printer.hpp"
#include "daemon/command_line.hpp"
#include "plugin/loader.hpp"
#include "vugpu/log.hpp"

namespace vugpu {

#ifndef VUGPU_SYSTEM_CONFIG
#define VUGPU_SYSTEM_CONFIG "/etc/vugpu/vugpu.toml"
#endif
inline constexpr const char* kSystemConfigFile = VUGPU_SYSTEM_CONFIG;

// --check-config FILE, else --config FILE, else the system file when it exists, else the
// built-in default; then the command-line overrides. Throws ConfigError.
Config load_configuration(const CommandLine& command_line);

struct SelectedPlugin {
  std::shared_ptr<const PluginLibrary> library;
  OptionValues options;
};

struct PluginSelection {
  SelectedPlugin renderer;
  std::vector<SelectedPlugin> presenters;
  std::optional<SelectedPlugin> blob;  // config.blob, when set
  // Every plugin whose options were checked (those in use, and installed ones that only have
  // a table in the config), for --check-config.
  std::vector<ResolvedPluginOptions> checked;
  // Libraries of the plugins not in use that were checked: `checked` points into them.
  std::vector<std::shared_ptr<const PluginLibrary>> checked_libraries;
};

// Opens the renderer and the presenters, validates their tables; checks the tables of other
// plugins when they are installed and warns (through `log`) about tables of plugins that are
// neither in use nor installed. Throws PluginError or ConfigError.
PluginSelection select_plugins(const PluginLoader& loader, const Config& config, const ConfigOverrides& overrides,
                               Log& log);

// The vhost-user backend capabilities (JSON, as --print-capabilities prints them): "edid" when
// the configuration offers it, "virgl" only when renderer.virgl loads, "render-node" only when
// it loads and the host has a render node.
std::string capabilities_json(const Config& config, const PluginLoader& loader);

// Whether `dri` holds a DRM render node (an entry named renderD*: libvirt's own test).
bool host_has_render_node(const std::filesystem::path& dri = "/dev/dri");

}  // namespace vugpu
