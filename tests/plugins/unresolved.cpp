// Needs a symbol nothing provides: dlopen (RTLD_NOW) must fail and the loader say which.
#include "test_objects.hpp"

extern "C" void vugpu_test_symbol_nobody_defines();

namespace {
std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& h, const vugpu::OptionValues& o) {
  vugpu_test_symbol_nobody_defines();
  return vugpu_test::make_presenter(h, o);
}
}  // namespace

extern "C" const vugpu::PluginDescriptor test_descriptor =
    vugpu::make_presenter_descriptor("test.unresolved", "1", "undefined symbol", create);
VUGPU_EXPORT_PLUGIN(test_descriptor)
