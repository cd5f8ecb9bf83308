// Says it is a renderer but sets the presenter factory.
#include "test_objects.hpp"

extern "C" const vugpu::PluginDescriptor test_descriptor = {
    vugpu::kAbiVersion, sizeof(vugpu::PluginDescriptor), vugpu::PluginKind::Renderer, "test.kind-mismatch", "1",
    "renderer with a presenter factory", nullptr, 0, nullptr, vugpu_test::make_presenter, nullptr};
VUGPU_EXPORT_PLUGIN(test_descriptor)
