#include "daemon/startup.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <filesystem>
#include "config/plugin_options.hpp"
#include "plugin/plugin_error.hpp"

namespace vugpu {

namespace {

SelectedPlugin select(const PluginLoader& loader, const Config& config, const std::string& name, PluginKind kind,
                      std::vector<ResolvedPluginOptions>& checked) {
  SelectedPlugin p;
  p.library = loader.load(name, kind);
  auto section = config.plugins.find(name);
  p.options = resolve_plugin_options(name, p.library->options(),
                                     section == config.plugins.end() ? nullptr : &section->second);
  const auto specs = p.library->options();
  checked.push_back({name, p.library->file().string(), {specs.begin(), specs.end()}, p.options});
  return p;
}

}  // namespace

Config load_configuration(const CommandLine& cl) {
  Config config;
  if (!cl.check_config_file.empty()) config = load_config_file(cl.check_config_file);
  else if (!cl.config_file.empty()) config = load_config_file(cl.config_file);
  else if (std::error_code ec; std::filesystem::exists(kSystemConfigFile, ec)) config = load_config_file(kSystemConfigFile);
  else config = default_config();
  apply_overrides(config, cl.overrides);
  return config;
}

PluginSelection select_plugins(const PluginLoader& loader, const Config& config, const ConfigOverrides& overrides,
                               Log& log) {
  PluginSelection s;
  try {
    s.renderer = select(loader, config, config.renderer, PluginKind::Renderer, s.checked);
  } catch (const PluginError& e) {
    if (overrides.virgl && config.renderer == kVirglRenderer)
      throw PluginError(fmt::format("--virgl/--render-node need the {} plugin: {}", kVirglRenderer, e.what()));
    throw;
  }
  for (const auto& name : config.presenters)
    s.presenters.push_back(select(loader, config, name, PluginKind::Presenter, s.checked));
  if (!config.blob.empty()) s.blob = select(loader, config, config.blob, PluginKind::Blob, s.checked);

  for (const auto& [name, section] : config.plugins) {
    const bool in_use = name == config.renderer || name == config.blob ||
                        std::find(config.presenters.begin(), config.presenters.end(), name) != config.presenters.end();
    if (in_use) continue;
    auto file = loader.find(name);
    if (!file) {
      log.warn("{}: options for plugin '{}' not checked: it is not in use and not installed (searched {})",
               section.pos.to_string(), name, describe(loader.folders()));
      continue;
    }
    std::shared_ptr<const PluginLibrary> library;
    try {
      library = PluginLibrary::open(*file);
    } catch (const PluginError& e) {
      log.warn("{}: options for plugin '{}' not checked: {}", section.pos.to_string(), name, e.what());
      continue;
    }
    const OptionValues values = resolve_plugin_options(name, library->options(), &section);
    const auto specs = library->options();
    s.checked.push_back({name, file->string() + " (not in use)", {specs.begin(), specs.end()}, values});
    s.checked_libraries.push_back(std::move(library));
  }
  return s;
}

bool host_has_render_node(const std::filesystem::path& dri) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dri, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().starts_with("renderD")) return true;
  return false;
}

std::string capabilities_json(const Config& config, const PluginLoader& loader) {
  bool virgl = false;
  if (auto file = loader.find(kVirglRenderer)) {
    try {
      virgl = PluginLibrary::open(*file)->kind() == PluginKind::Renderer;
    } catch (const PluginError&) {
      virgl = false;  // a broken plugin is not a capability; --list-plugins says why
    }
  }
  std::vector<std::string> features;
  if (config.device.edid) features.push_back("edid");
  // libvirt picks the host's render node for a backend that advertises `render-node` and
  // fails the domain when there is none: advertise it only where there is one.
  if (virgl && host_has_render_node()) features.push_back("render-node");
  if (virgl) features.push_back("virgl");
  std::string out = "{\n  \"type\": \"gpu\",\n  \"features\": [";
  for (size_t i = 0; i < features.size(); ++i) out += fmt::format("{}\n    \"{}\"", i ? "," : "", features[i]);
  out += features.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace vugpu
