// Declares an integer option whose default is not an integer.
#include "test_objects.hpp"

namespace {
const vugpu::OptionSpec kOptions[] = {{"frames", vugpu::OptionType::Int, "thirty", "frames per second"}};
}  // namespace

extern "C" const vugpu::PluginDescriptor test_descriptor = vugpu::make_presenter_descriptor(
    "test.bad-default", "1", "bad option default", kOptions, vugpu_test::make_presenter);
VUGPU_EXPORT_PLUGIN(test_descriptor)
