// Same ABI number, but built with a descriptor of another size (mismatching headers).
#include "test_objects.hpp"

extern "C" const vugpu::PluginDescriptor test_descriptor = {
    vugpu::kAbiVersion, sizeof(vugpu::PluginDescriptor) - 8, vugpu::PluginKind::Presenter, "test.wrong-size", "1",
    "plugin built with other headers", nullptr, 0, nullptr, vugpu_test::make_presenter, nullptr};
VUGPU_EXPORT_PLUGIN(test_descriptor)
