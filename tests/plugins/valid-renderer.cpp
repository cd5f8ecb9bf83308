// A correct renderer plugin with one option of each type (the loader and option tests use it).
#include "test_objects.hpp"

namespace {
const vugpu::OptionSpec kOptions[] = {
    {"flag", vugpu::OptionType::Bool, "true", "a boolean"},
    {"count", vugpu::OptionType::Int, "30", "an integer"},
    {"ratio", vugpu::OptionType::Float, "0.5", "a number"},
    {"path", vugpu::OptionType::String, "out/%s.png", "a string"},
};
}  // namespace

extern "C" const vugpu::PluginDescriptor test_descriptor = vugpu::make_renderer_descriptor(
    "test.valid-renderer", "9.8.7", "test renderer that draws nothing", kOptions, vugpu_test::make_renderer);
VUGPU_EXPORT_PLUGIN(test_descriptor)
