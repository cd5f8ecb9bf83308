// A correct presenter plugin without options.
#include "test_objects.hpp"

extern "C" const vugpu::PluginDescriptor test_descriptor = vugpu::make_presenter_descriptor(
    "test.valid-presenter", "1.2.3", "test presenter that shows nothing", vugpu_test::make_presenter);
VUGPU_EXPORT_PLUGIN(test_descriptor)
