#include "plugin/plugin_library.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <boost/dll/shared_library.hpp>
#include "config/plugin_options.hpp"
#include "plugin/plugin_error.hpp"

namespace vugpu {

namespace {

constexpr std::string_view kFilePrefix = "vugpu-";
constexpr std::string_view kFileSuffix = ".so";

// dlerror() text without the leading "<path>: " (our message names the file already).
std::string dlopen_reason(const std::filesystem::path& file, const std::error_code& ec) {
  const char* text = ::dlerror();
  if (!text) return ec.message();
  std::string_view reason = text;
  const std::string prefix = file.string() + ": ";
  if (reason.starts_with(prefix)) reason.remove_prefix(prefix.size());
  return fmt::format("cannot load: {}", reason);
}

}  // namespace

std::string plugin_name_from_file(const std::filesystem::path& file) {
  const std::string base = file.filename().string();
  if (!base.starts_with(kFilePrefix) || !base.ends_with(kFileSuffix) ||
      base.size() <= kFilePrefix.size() + kFileSuffix.size())
    return {};
  return base.substr(kFilePrefix.size(), base.size() - kFilePrefix.size() - kFileSuffix.size());
}

std::string descriptor_problem(const PluginDescriptor& d, std::string_view expected_name) {
  // abi_version alone first: a plugin of another ABI may have another layout after it.
  if (d.abi_version != kAbiVersion)
    return fmt::format("plugin ABI {}, this vugpu speaks ABI {}; rebuild the plugin against vugpu {}", d.abi_version,
                       kAbiVersion, VUGPU_VERSION);
  if (d.struct_size != sizeof(PluginDescriptor))
    return fmt::format("descriptor is {} bytes, this vugpu expects {} (same ABI {}); the plugin was built against "
                       "mismatching SDK headers, rebuild it against vugpu {}",
                       d.struct_size, sizeof(PluginDescriptor), kAbiVersion, VUGPU_VERSION);
  if (d.kind != PluginKind::Renderer && d.kind != PluginKind::Presenter && d.kind != PluginKind::Blob)
    return fmt::format("unknown plugin kind {}", uint32_t(d.kind));
  const int factories = (d.create_renderer ? 1 : 0) + (d.create_presenter ? 1 : 0) + (d.create_blob ? 1 : 0);
  const bool matching = d.kind == PluginKind::Renderer ? d.create_renderer != nullptr
                        : d.kind == PluginKind::Presenter ? d.create_presenter != nullptr
                                                          : d.create_blob != nullptr;
  if (factories != 1 || !matching)
    return fmt::format("descriptor says kind '{}' but sets {}; it must set exactly create_{}", to_string(d.kind),
                       factories == 0       ? "no factory"
                       : factories > 1      ? "several factories"
                       : d.create_renderer  ? "create_renderer"
                       : d.create_presenter ? "create_presenter"
                                            : "create_blob",
                       to_string(d.kind));
  if (!d.name) return "descriptor has no name";
  if (d.name != expected_name)
    return fmt::format("descriptor names the plugin '{}', but the file is named for '{}'; rename the file to {}{}{}",
                       d.name, expected_name, kFilePrefix, d.name, kFileSuffix);
  if (d.option_count > 0 && !d.options) return "descriptor declares options but no option table";
  try {
    check_option_specs({d.options, d.option_count});
  } catch (const std::exception& e) {
    return fmt::format("bad option declaration: {}", e.what());
  }
  return {};
}

PluginLibrary::PluginLibrary(Key, std::filesystem::path file, std::unique_ptr<boost::dll::shared_library> library,
                             const PluginDescriptor* descriptor)
    : file_(std::move(file)), library_(std::move(library)), descriptor_(descriptor) {}

PluginLibrary::~PluginLibrary() = default;

std::shared_ptr<const PluginLibrary> PluginLibrary::open(const std::filesystem::path& file) {
  const auto fail = [&](const std::string& reason) { return PluginError(fmt::format("{}: {}", file.string(), reason)); };
  const std::string expected_name = plugin_name_from_file(file);
  if (expected_name.empty()) throw fail(fmt::format("not a plugin file name (expected {}<name>{})", kFilePrefix, kFileSuffix));

  auto library = std::make_unique<boost::dll::shared_library>();
  std::error_code ec;
  // rtld_now: a plugin with a missing symbol fails here, before serving, not in the middle of it.
  library->load(file, ec, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec || !library->is_loaded()) throw fail(dlopen_reason(file, ec));
  if (!library->has(kDescriptorSymbol))
    throw fail(fmt::format("no plugin descriptor (symbol '{}' is missing); is this a vugpu plugin? "
                           "Plugins export one with VUGPU_EXPORT_PLUGIN()",
                           kDescriptorSymbol));
  const PluginDescriptor* descriptor = &library->get_alias<const PluginDescriptor>(kDescriptorSymbol);
  if (!descriptor) throw fail("plugin descriptor is a null pointer");
  if (std::string problem = descriptor_problem(*descriptor, expected_name); !problem.empty()) throw fail(problem);
  return std::make_shared<const PluginLibrary>(Key{}, file, std::move(library), descriptor);
}

}  // namespace vugpu
