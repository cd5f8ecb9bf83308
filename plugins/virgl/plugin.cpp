// renderer.virgl: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "virgl_renderer.hpp"

namespace {

const vugpu::OptionSpec kOptions[] = {
    {"render_node", vugpu::OptionType::String, "",
     "DRM render node to render on (e.g. /dev/dri/renderD128); empty: EGL surfaceless (llvmpipe without a GPU)"},
};

std::unique_ptr<vugpu::Renderer> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<vugpu::virgl::VirglRenderer>(
      host, vugpu::virgl::VirglOptions{.render_node = options.get_string("render_node")});
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_virgl_descriptor = vugpu::make_renderer_descriptor(
    "renderer.virgl", "1.0.0", "3D through virglrenderer (OpenGL on EGL surfaceless or a render node)", kOptions,
    create);
VUGPU_EXPORT_PLUGIN(vugpu_virgl_descriptor)
