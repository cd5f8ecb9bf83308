// Built "against" a future SDK: the next ABI version.
#include "test_objects.hpp"

extern "C" const vugpu::PluginDescriptor test_descriptor = {
    vugpu::kAbiVersion + 1, sizeof(vugpu::PluginDescriptor), vugpu::PluginKind::Presenter, "test.wrong-abi", "1", "future plugin",
    nullptr, 0, nullptr, vugpu_test::make_presenter, nullptr};
VUGPU_EXPORT_PLUGIN(test_descriptor)
