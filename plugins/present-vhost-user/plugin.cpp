// present.vhost-user: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "vhost_user_presenter.hpp"

namespace {
std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& host, const vugpu::OptionValues&) {
  return std::make_unique<vugpu::present_vhost_user::VhostUserPresenter>(host);
}
}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_present_vhost_user_descriptor = vugpu::make_presenter_descriptor(
    "present.vhost-user", "1.0.0", "Shows scanouts on the VMM's console (vhost-user-gpu display channel)", create);
VUGPU_EXPORT_PLUGIN(vugpu_present_vhost_user_descriptor)
