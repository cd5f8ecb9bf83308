// present.headless: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "headless_presenter.hpp"

namespace {

const vugpu::OptionSpec kOptions[] = {
    {"snapshot_path", vugpu::OptionType::String, "",
     "PNG file pattern: %s = scanout id, %n = frame number, %% = %; empty = no snapshots"},
    {"interval_ms", vugpu::OptionType::Int, "1000",
     "-1 = no periodic snapshots; 0 = one per presented frame; N = every N ms, of scanouts that changed"},
    {"snapshot_on_exit", vugpu::OptionType::Bool, "true", "at exit, write the last picture of every scanout"},
    {"trigger_fifo", vugpu::OptionType::String, "",
     "FIFO to create; each write to it (echo > PATH) snapshots every scanout; empty = none"},
};

std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<vugpu::headless::HeadlessPresenter>(host, vugpu::headless::HeadlessOptions::from(options));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_headless_descriptor = vugpu::make_presenter_descriptor(
    "present.headless", "0.1.0", "No display: keeps the latest frame of each scanout, writes PNG snapshots (libspng)",
    kOptions, create);
VUGPU_EXPORT_PLUGIN(vugpu_headless_descriptor)
