// renderer.pixman: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "pixman_renderer.hpp"

namespace {

std::unique_ptr<vugpu::Renderer> create(vugpu::HostServices& host, const vugpu::OptionValues&) {
  return std::make_unique<vugpu::pixman::PixmanRenderer>(host);
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_pixman_descriptor = vugpu::make_renderer_descriptor(
    "renderer.pixman", "0.1.0", "2D only: a pixman image per resource, guest pixels copied on transfer", create);
VUGPU_EXPORT_PLUGIN(vugpu_pixman_descriptor)
