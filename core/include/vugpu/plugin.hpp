// The one thing a plugin exports: a descriptor, C layout, read by the loader before anything
// else. A plugin's plugin.cpp is only this:
//
//   #include <vugpu/plugin.hpp>
//   static const vugpu::OptionSpec kOptions[] = {{"interval_ms", vugpu::OptionType::Int, "0", "..."}};
//   static std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& h, const vugpu::OptionValues& o) {...}
//   extern "C" const vugpu::PluginDescriptor vugpu_headless_descriptor = vugpu::make_presenter_descriptor(
//       "present.headless", "1.0.0", "Keeps frames, writes PNG snapshots", kOptions, create);
//   VUGPU_EXPORT_PLUGIN(vugpu_headless_descriptor)
//
// The loader rejects a library whose abi_version or struct_size differs from its own, naming
// the file and both versions. A loaded library outlives every object it created.
#pragma once
#include <boost/dll/alias.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include "vugpu/blob.hpp"
#include "vugpu/host.hpp"
#include "vugpu/options.hpp"
#include "vugpu/presenter.hpp"
#include "vugpu/renderer.hpp"

namespace vugpu {

// Bump on any change to the SDK's classes or this struct.
// 2: PluginKind::Blob, create_blob, BlobProvider/BlobView (vugpu/blob.hpp).
// 3: (each SDK change of this release adds its line here)
//    Presenter::display_info_async / edid_async and VmmDisplay's of the same names (a completion
//    callback on the device loop) replace the blocking display_info / edid; VmmDisplay::
//    dmabuf_update takes a completion instead of waiting for the VMM's reply.
//    Presenter::stats(): counters for --stats-file (vugpu/stats.hpp).
//    HostServices::display_mode_wanted: a window's size becomes the scanout's preferred mode.
//    HostServices::request_stop(exit_status): a plugin stops vugpu with an exit status.
//    VmmDisplay::update takes a completion (run once the VMM no longer needs the rows), never waits.
inline constexpr uint32_t kAbiVersion = 3;
inline constexpr const char* kDescriptorSymbol = "vugpu_plugin_descriptor";

enum class PluginKind : uint32_t { Renderer = 1, Presenter = 2, Blob = 3 };

constexpr const char* to_string(PluginKind k) {
  return k == PluginKind::Renderer ? "renderer" : k == PluginKind::Presenter ? "presenter" : k == PluginKind::Blob ? "blob" : "unknown";
}

using RendererFactory = std::unique_ptr<Renderer> (*)(HostServices&, const OptionValues&);
using PresenterFactory = std::unique_ptr<Presenter> (*)(HostServices&, const OptionValues&);
using BlobFactory = std::unique_ptr<BlobProvider> (*)(HostServices&, const OptionValues&);

struct PluginDescriptor {
  uint32_t abi_version;      // first, so the loader can read it from any version
  uint32_t struct_size;      // sizeof(PluginDescriptor) the plugin was built with
  PluginKind kind;
  const char* name;          // dotted, stable: "renderer.pixman", "present.headless"
  const char* version;       // the plugin's own version
  const char* description;   // one line
  const OptionSpec* options;
  uint32_t option_count;
  // Exactly the one matching `kind` is set. May throw: the loader reports the message.
  RendererFactory create_renderer;
  PresenterFactory create_presenter;
  BlobFactory create_blob;   // ABI 2
};

template <size_t N>
constexpr PluginDescriptor make_renderer_descriptor(const char* name, const char* version, const char* description,
                                                    const OptionSpec (&options)[N], RendererFactory f) {
  return {kAbiVersion, sizeof(PluginDescriptor), PluginKind::Renderer, name, version, description, options, N, f, nullptr, nullptr};
}
template <size_t N>
constexpr PluginDescriptor make_presenter_descriptor(const char* name, const char* version, const char* description,
                                                     const OptionSpec (&options)[N], PresenterFactory f) {
  return {kAbiVersion, sizeof(PluginDescriptor), PluginKind::Presenter, name, version, description, options, N, nullptr, f, nullptr};
}
constexpr PluginDescriptor make_renderer_descriptor(const char* name, const char* version, const char* description, RendererFactory f) {
  return {kAbiVersion, sizeof(PluginDescriptor), PluginKind::Renderer, name, version, description, nullptr, 0, f, nullptr, nullptr};
}
constexpr PluginDescriptor make_presenter_descriptor(const char* name, const char* version, const char* description, PresenterFactory f) {
  return {kAbiVersion, sizeof(PluginDescriptor), PluginKind::Presenter, name, version, description, nullptr, 0, nullptr, f, nullptr};
}
template <size_t N>
constexpr PluginDescriptor make_blob_descriptor(const char* name, const char* version, const char* description,
                                                const OptionSpec (&options)[N], BlobFactory f) {
  return {kAbiVersion, sizeof(PluginDescriptor), PluginKind::Blob, name, version, description, options, N, nullptr, nullptr, f};
}
constexpr PluginDescriptor make_blob_descriptor(const char* name, const char* version, const char* description, BlobFactory f) {
  return {kAbiVersion, sizeof(PluginDescriptor), PluginKind::Blob, name, version, description, nullptr, 0, nullptr, nullptr, f};
}

}  // namespace vugpu

// Exports `descriptor` (a namespace-scope PluginDescriptor) under the name the loader looks for.
#define VUGPU_EXPORT_PLUGIN(descriptor) BOOST_DLL_ALIAS(descriptor, vugpu_plugin_descriptor)
