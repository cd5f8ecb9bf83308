// Built "against" a future SDK: ABI version 2.
#include "test_objects.hpp"

extern "C" const vugpu::PluginDescriptor test_descriptor = {
    2, sizeof(vugpu::PluginDescriptor), vugpu::PluginKind::Presenter, "test.wrong-abi", "1", "future plugin",
    nullptr, 0, nullptr, vugpu_test::make_presenter};
VUGPU_EXPORT_PLUGIN(test_descriptor)
