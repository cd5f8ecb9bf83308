// One opened and checked plugin file. Shared: every object a plugin created holds a reference
// (PluginInstance), so the library is unloaded only after the last of them is gone.
//
// Checks, in this order, before anything else of the plugin is used: the descriptor symbol
// exists; abi_version (read alone: the rest of the layout depends on it); struct_size; kind;
// exactly the factory matching the kind; name equals the file name; option declarations.
#pragma once
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include "vugpu/plugin.hpp"

namespace boost::dll {
class shared_library;
}

namespace vugpu {

class PluginLibrary {
 public:
  // Throws PluginError "<file>: <reason>".
  static std::shared_ptr<const PluginLibrary> open(const std::filesystem::path& file);
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const std::filesystem::path& file() const { return file_; }
  const PluginDescriptor& descriptor() const { return *descriptor_; }
  std::string_view name() const { return descriptor_->name; }
  PluginKind kind() const { return descriptor_->kind; }
  std::string_view version() const { return descriptor_->version ? descriptor_->version : ""; }
  std::string_view description() const { return descriptor_->description ? descriptor_->description : ""; }
  std::span<const OptionSpec> options() const { return {descriptor_->options, descriptor_->option_count}; }

 private:
  struct Key {};  // only open() constructs (through make_shared)

 public:
  PluginLibrary(Key, std::filesystem::path file, std::unique_ptr<boost::dll::shared_library> library,
                const PluginDescriptor* descriptor);

 private:
  std::filesystem::path file_;
  std::unique_ptr<boost::dll::shared_library> library_;
  const PluginDescriptor* descriptor_;
};

// The name a plugin file must carry ("vugpu-renderer.pixman.so" -> "renderer.pixman"), or ""
// when the file name does not follow the pattern.
std::string plugin_name_from_file(const std::filesystem::path& file);

// What is wrong with a descriptor found in `file` (empty when nothing). Exposed for tests.
std::string descriptor_problem(const PluginDescriptor& d, std::string_view expected_name);

}  // namespace vugpu
