#include "config/config_printer.hpp"

#include <fmt/format.h>
#include "config/plugin_options.hpp"
#include "log/spdlog_log.hpp"

namespace vugpu {

namespace {

std::string toml_string(const std::string& s) { return to_toml(OptionValue(s)); }

std::string toml_strings(const std::vector<std::string>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + toml_string(list[i]);
  return out + "]";
}

}  // namespace

std::string format_effective_config(const Config& c, std::span<const ResolvedPluginOptions> plugins) {
  std::string out = fmt::format("# Effective configuration (from {})\n", c.source);
  out += fmt::format("renderer = {}\n", toml_string(c.renderer));
  out += fmt::format("presenters = {}\n", toml_strings(c.presenters));
  out += fmt::format("blob = {}\n", toml_string(c.blob));
  out += fmt::format("plugin_path = {}\n", toml_strings(c.plugin_path));
  out += fmt::format("log_level = {}\n", toml_string(std::string(to_string(c.log_level))));
  out += fmt::format("sandbox = {}\n", c.sandbox ? "true" : "false");

  const Limits& l = c.device.limits;
  out += "\n[limits]\n";
  out += fmt::format("host_memory_mib = {}\n", l.host_memory_bytes >> 20);
  out += fmt::format("max_resources = {}\n", l.max_resources);
  out += fmt::format("max_backing_entries = {}\n", l.max_backing_entries);
  out += fmt::format("max_dimension = {}\n", l.max_dimension);
  out += fmt::format("max_contexts = {}\n", l.max_contexts);
  out += fmt::format("max_submit_mib = {}\n", l.max_submit_bytes >> 20);
  out += fmt::format("max_blob_views = {}\n", l.max_blob_views);
  out += fmt::format("max_blob_mappings = {}\n", l.max_blob_mappings);

  out += fmt::format("\n[display]\nedid = {}\n", c.device.edid);
  for (const ScanoutSettings& s : c.device.scanouts)
    out += fmt::format("\n[[display.scanout]]\nwidth = {}\nheight = {}\nenabled = {}\n", s.width, s.height, s.enabled);

  for (const ResolvedPluginOptions& p : plugins) {
    out += fmt::format("\n# {}\n[plugin.{}]\n", p.file, toml_string(p.name));
    if (p.specs.empty()) out += "# (this plugin has no options)\n";
    for (const OptionSpec& s : p.specs) {
      const auto& all = p.values.all();
      auto it = all.find(s.key);
      const std::string value = it != all.end() ? to_toml(it->second) : to_toml(parse_option_default(s));
      out += fmt::format("{} = {}  # {}: {} (default {})\n", s.key, value, to_string(s.type), s.help ? s.help : "",
                         to_toml(parse_option_default(s)));
    }
  }
  return out;
}

}  // namespace vugpu
