// present.headless: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "headless_presenter.hpp"
#include "snapshot_options.hpp"

namespace {

using vugpu::snapshots::kSnapshotOptionSpecs;

std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<vugpu::headless::HeadlessPresenter>(host, vugpu::snapshots::SnapshotOptions::from(options));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_headless_descriptor = vugpu::make_presenter_descriptor(
    "present.headless", "0.1.0", "No display: keeps the latest frame of each scanout, writes PNG snapshots (libspng)",
    kSnapshotOptionSpecs, create);
VUGPU_EXPORT_PLUGIN(vugpu_headless_descriptor)
