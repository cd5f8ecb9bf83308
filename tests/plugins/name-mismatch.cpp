// The file is vugpu-test.name-mismatch.so, the descriptor says another name.
#include "test_objects.hpp"

extern "C" const vugpu::PluginDescriptor test_descriptor =
    vugpu::make_presenter_descriptor("test.other-name", "1", "named differently", vugpu_test::make_presenter);
VUGPU_EXPORT_PLUGIN(test_descriptor)
