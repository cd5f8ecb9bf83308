// Not virgl: a do-nothing renderer under the name renderer.virgl, with its render_node option.
#include "test_objects.hpp"

namespace {
const vugpu::OptionSpec kOptions[] = {{"render_node", vugpu::OptionType::String, "", "DRM render node"}};
}  // namespace

extern "C" const vugpu::PluginDescriptor test_descriptor = vugpu::make_renderer_descriptor(
    "renderer.virgl", "0.0.0-test", "stand-in for the virgl renderer (tests)", kOptions, vugpu_test::make_renderer);
VUGPU_EXPORT_PLUGIN(test_descriptor)
