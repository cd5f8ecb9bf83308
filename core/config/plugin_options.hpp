// A plugin's options: the core checks the plugin's [plugin."<name>"] table against the
// OptionSpec list the plugin declares, and hands the factory every declared key (defaults
// filled in). Only the core parses TOML; the plugin never sees the file.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include "config/config.hpp"
#include "vugpu/options.hpp"

namespace vugpu {

std::string_view to_string(OptionType type);  // "bool", "int", "float", "string"

// Parses an OptionSpec's default (TOML syntax without quotes: "true", "30", "0.5", "a/%s.png").
// Throws std::invalid_argument saying what is wrong: a plugin bug, reported by the loader.
OptionValue parse_option_default(const OptionSpec& spec);

// Checks a declared option list itself: keys present and unique, types known, defaults valid.
// Throws std::invalid_argument (the loader names the plugin file).
void check_option_specs(std::span<const OptionSpec> specs);

// `section` may be null (no table in the config). Throws ConfigError naming file:line:col and
// the key for an unknown key (with a suggestion) or a value of the wrong type.
// An int given where a float is declared is accepted (TOML writers often drop the ".0").
OptionValues resolve_plugin_options(std::string_view plugin_name, std::span<const OptionSpec> specs,
                                    const PluginSection* section);

// A value as TOML writes it: true, 30, 0.5, "text" (quoted, escaped).
std::string to_toml(const OptionValue& value);

}  // namespace vugpu
