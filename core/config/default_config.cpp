// The configuration vugpu runs with when no file is given. It states the same values as the
// struct defaults in config.hpp and config/vugpu.toml (the documented example); the config
// unit tests check that all three agree.
#include "config/config.hpp"

namespace vugpu {

namespace {
constexpr std::string_view kDefaultToml = R"toml(
renderer = "renderer.pixman"
presenters = ["present.vhost-user"]
blob = ""
plugin_path = []
log_level = "info"
sandbox = true

[limits]
host_memory_mib = 1024
max_resources = 16384
max_backing_entries = 1048576
max_dimension = 16384
max_contexts = 64
max_submit_mib = 16
max_blob_views = 256
max_blob_mappings = 32768

[display]
edid = true

[[display.scanout]]
width = 1280
height = 800
enabled = true
)toml";
}  // namespace

std::string_view default_config_toml() { return kDefaultToml; }

Config default_config() { return parse_config(kDefaultToml, kBuiltinConfigName); }

}  // namespace vugpu
