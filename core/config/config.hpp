// The daemon's configuration, typed. Only the core parses TOML (toml++); this header does not
// expose it. Schema and meaning of every key: config/vugpu.toml (the documented example, which
// a test keeps identical in effect to the embedded default below).
//
// Sources, in order: the embedded default (no file needed), one TOML file, then command-line
// overrides (apply_overrides). A plugin's [plugin."<name>"] table is kept raw here and checked
// against the plugin's declared options once the plugin is loaded (resolve_plugin_options).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "config/config_error.hpp"
#include "device/settings.hpp"
#include "vugpu/log.hpp"
#include "vugpu/options.hpp"

namespace vugpu {

// One key of a plugin's table as written in the file.
struct RawOption {
  std::optional<OptionValue> value;  // nullopt: the TOML value is not a scalar plugins take
  std::string toml_type;             // "integer", "string", "array", ... for error messages
  SourcePos key_pos;                 // where the key is written
  SourcePos value_pos;               // where its value is written
};

struct PluginSection {
  std::map<std::string, RawOption> options;
  SourcePos pos;  // the table header
};

struct Config {
  std::string source = "<built-in default>";  // file it was read from
  std::vector<std::string> plugin_path;        // extra plugin folders (absolute after loading)
  std::string renderer = "renderer.pixman";
  std::vector<std::string> presenters{"present.vhost-user"};
  // Blob provider plugin ("blob.guest"), or empty: none, and VIRTIO_GPU_F_RESOURCE_BLOB is not
  // offered.
  std::string blob;
  LogLevel log_level = LogLevel::Info;
  bool sandbox = true;  // seccomp + no capabilities once serving (core/sandbox)
  DeviceSettings device;
  std::map<std::string, PluginSection> plugins;  // keyed by dotted plugin name
};

inline constexpr std::string_view kBuiltinConfigName = "<built-in default>";
inline constexpr uint32_t kMaxScanouts = 16;  // VIRTIO_GPU_MAX_SCANOUTS

// The embedded default configuration (TOML text).
std::string_view default_config_toml();

// Parse TOML text; `origin` names it in error messages (a file path). Relative plugin_path
// entries are taken relative to the folder of `origin` when it is a file.
// Throws ConfigError.
Config parse_config(std::string_view toml_text, std::string_view origin);
// The embedded default, parsed.
Config default_config();
// Read and parse a file. Throws ConfigError (also when the file cannot be read).
Config load_config_file(const std::string& path);

// Command-line overrides, applied on top of the file.
struct ConfigOverrides {
  bool virgl = false;                      // --virgl: renderer = renderer.virgl
  std::optional<std::string> render_node;  // --render-node: plugin."renderer.virgl".render_node
  std::optional<LogLevel> log_level;       // -v / --log-level
};
inline constexpr std::string_view kVirglRenderer = "renderer.virgl";
void apply_overrides(Config& config, const ConfigOverrides& overrides);

}  // namespace vugpu
