#include "plugin/loader.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <map>
#include <system_error>
#include "config/plugin_options.hpp"
#include "plugin/plugin_error.hpp"

namespace vugpu {

namespace {

bool is_safe_name(std::string_view name) {
  return !name.empty() && name.find('/') == std::string_view::npos && name != "." && name != "..";
}

template <typename T, typename Factory>
PluginInstance<T> create(std::shared_ptr<const PluginLibrary> library, Factory factory, HostServices& host,
                         const OptionValues& options) {
  const auto where = library->file().string();
  std::unique_ptr<T> object;
  try {
    object = factory(host, options);
  } catch (const std::exception& e) {
    throw PluginError(fmt::format("{}: {} failed to start: {}", where, library->name(), e.what()));
  } catch (...) {
    throw PluginError(fmt::format("{}: {} failed to start: unknown exception", where, library->name()));
  }
  if (!object) throw PluginError(fmt::format("{}: {} failed to start: its factory returned no object", where, library->name()));
  return PluginInstance<T>(std::move(library), std::move(object));
}

}  // namespace

std::optional<std::filesystem::path> PluginLoader::find(std::string_view name) const {
  if (!is_safe_name(name)) return std::nullopt;
  const std::string file = plugin_file_name(name);
  for (const auto& folder : folders_) {
    std::error_code ec;
    auto candidate = folder.path / file;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

std::shared_ptr<const PluginLibrary> PluginLoader::load(std::string_view name, PluginKind kind) const {
  auto file = find(name);
  if (!file)
    throw PluginError(fmt::format("{} plugin '{}' not found: no {} in {}; install the package that provides it, or "
                                  "point VUGPU_PLUGIN_PATH (or plugin_path in the config) at its folder",
                                  to_string(kind), name, plugin_file_name(name), describe(folders_)));
  auto library = PluginLibrary::open(*file);
  if (library->kind() != kind)
    throw PluginError(fmt::format("{}: '{}' is a {} plugin, but the configuration uses it as a {}", file->string(), name,
                                  to_string(library->kind()), to_string(kind)));
  return library;
}

std::vector<PluginListing> PluginLoader::list() const {
  std::vector<PluginListing> out;
  std::map<std::string, size_t> first_seen;
  for (const auto& folder : folders_) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(folder.path, ec)) {
      std::string name = plugin_name_from_file(entry.path());
      if (!name.empty() && entry.is_regular_file(ec)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (auto& file : files) {
      PluginListing item;
      item.file = file;
      item.name = plugin_name_from_file(file);
      item.shadowed = !first_seen.emplace(item.name, out.size()).second;
      if (!item.shadowed) {
        try {
          item.library = PluginLibrary::open(file);
        } catch (const std::exception& e) {
          item.error = e.what();
        }
      }
      out.push_back(std::move(item));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

PluginInstance<Renderer> create_renderer(std::shared_ptr<const PluginLibrary> library, HostServices& host,
                                         const OptionValues& options) {
  auto factory = library->descriptor().create_renderer;
  return create<Renderer>(std::move(library), factory, host, options);
}

PluginInstance<Presenter> create_presenter(std::shared_ptr<const PluginLibrary> library, HostServices& host,
                                           const OptionValues& options) {
  auto factory = library->descriptor().create_presenter;
  return create<Presenter>(std::move(library), factory, host, options);
}

PluginInstance<BlobProvider> create_blob_provider(std::shared_ptr<const PluginLibrary> library, HostServices& host,
                                                  const OptionValues& options) {
  auto factory = library->descriptor().create_blob;
  return create<BlobProvider>(std::move(library), factory, host, options);
}

std::string format_plugin_listing(const std::vector<PluginFolder>& folders, const std::vector<PluginListing>& plugins) {
  std::string out = "Plugin folders, in search order:\n";
  for (const auto& f : folders) {
    std::error_code ec;
    out += fmt::format("  {} ({}){}\n", f.path.string(), f.origin,
                       std::filesystem::is_directory(f.path, ec) ? "" : " [missing]");
  }
  std::string broken;
  for (const auto& p : plugins) {
    if (p.shadowed) {
      out += fmt::format("\n{} (shadowed by an earlier folder)\n  file: {}\n", p.name, p.file.string());
      continue;
    }
    if (!p.library) {
      broken += fmt::format("  {}\n", p.error);
      continue;
    }
    const PluginLibrary& lib = *p.library;
    out += fmt::format("\n{} {} ({}): {}\n  file: {}\n", lib.name(), lib.version(), to_string(lib.kind()),
                       lib.description(), p.file.string());
    if (lib.options().empty()) out += "  options: none\n";
    else out += "  options:\n";
    for (const OptionSpec& s : lib.options())
      out += fmt::format("    {} ({}, default {}): {}\n", s.key, to_string(s.type), to_toml(parse_option_default(s)),
                         s.help ? s.help : "");
  }
  if (plugins.empty()) out += "\nNo plugins found.\n";
  if (!broken.empty()) out += "\nFiles that are not usable plugins:\n" + broken;
  return out;
}

}  // namespace vugpu
