// A plugin whose factory fails (as a real one does when, e.g., its device is missing).
#include <stdexcept>
#include "test_objects.hpp"

namespace {
std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices&, const vugpu::OptionValues&) {
  throw std::runtime_error("no display here (test)");
}
}  // namespace

extern "C" const vugpu::PluginDescriptor test_descriptor =
    vugpu::make_presenter_descriptor("test.throws", "1", "factory throws", create);
VUGPU_EXPORT_PLUGIN(test_descriptor)
