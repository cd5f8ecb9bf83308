// Finds plugins by name in the search path, opens and checks them, and creates their objects.
// Every failure is a PluginError with one line naming the file (or the folders searched) and
// the reason. Start-up only (main thread, before the loop runs).
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "plugin/plugin_instance.hpp"
#include "plugin/plugin_library.hpp"
#include "plugin/search_path.hpp"
#include "vugpu/host.hpp"
#include "vugpu/options.hpp"
#include "vugpu/plugin.hpp"

namespace vugpu {

// One plugin file found while listing.
struct PluginListing {
  std::filesystem::path file;
  std::string name;                               // from the file name
  std::shared_ptr<const PluginLibrary> library;   // null when broken
  std::string error;                              // why it is broken
  bool shadowed = false;                          // a folder earlier in the path has this name too
};

class PluginLoader {
 public:
  explicit PluginLoader(std::vector<PluginFolder> folders) : folders_(std::move(folders)) {}

  const std::vector<PluginFolder>& folders() const { return folders_; }

  // The first vugpu-<name>.so in the search path.
  std::optional<std::filesystem::path> find(std::string_view name) const;

  // Finds and opens `name`, checking it is of `kind`. Throws PluginError.
  std::shared_ptr<const PluginLibrary> load(std::string_view name, PluginKind kind) const;

  // Every vugpu-*.so of every folder, sorted by name; later duplicates are marked shadowed.
  std::vector<PluginListing> list() const;

 private:
  std::vector<PluginFolder> folders_;
};

// Run the plugin's factory. A factory that throws or returns nothing becomes a PluginError
// naming the file and the message.
PluginInstance<Renderer> create_renderer(std::shared_ptr<const PluginLibrary> library, HostServices& host,
                                         const OptionValues& options);
PluginInstance<Presenter> create_presenter(std::shared_ptr<const PluginLibrary> library, HostServices& host,
                                           const OptionValues& options);
PluginInstance<BlobProvider> create_blob_provider(std::shared_ptr<const PluginLibrary> library, HostServices& host,
                                                  const OptionValues& options);

// Human-readable listing for --list-plugins (kind, name, version, description, file, options
// with type, default and help; broken files with their reason; folders searched).
std::string format_plugin_listing(const std::vector<PluginFolder>& folders, const std::vector<PluginListing>& plugins);

}  // namespace vugpu
