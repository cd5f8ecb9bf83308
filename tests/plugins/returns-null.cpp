// A plugin whose factory returns no object.
#include "test_objects.hpp"

namespace {
std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices&, const vugpu::OptionValues&) { return nullptr; }
}  // namespace

extern "C" const vugpu::PluginDescriptor test_descriptor =
    vugpu::make_presenter_descriptor("test.returns-null", "1", "factory returns null", create);
VUGPU_EXPORT_PLUGIN(test_descriptor)
