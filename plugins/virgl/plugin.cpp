// renderer.virgl: the export, nothing else.
#include <vugpu/plugin.hpp>
#include <vugpu/sandbox.hpp>
#include "mesa_syscalls.hpp"
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

// Beyond the core's sandbox set (docs/security.md): Mesa's own (egl-common/mesa_syscalls.hpp) and
// a render node's DRM ioctls.
static const char* const kSyscalls[] = {VUGPU_MESA_SYSCALLS, "ioctl"};
VUGPU_EXPORT_SYSCALLS(kSyscalls)
