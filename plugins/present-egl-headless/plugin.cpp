// present.egl-headless: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "egl_headless_options.hpp"
#include "egl_headless_presenter.hpp"

namespace {

using vugpu::OptionType;
using vugpu::snapshots::kSnapshotOptionSpecs;

const vugpu::OptionSpec kOptions[] = {
    kSnapshotOptionSpecs[0], kSnapshotOptionSpecs[1], kSnapshotOptionSpecs[2], kSnapshotOptionSpecs[3],
    {"render_node", OptionType::String, "",
     "DRM render node to compose on (e.g. /dev/dri/renderD128); empty = EGL surfaceless (llvmpipe without a GPU)"},
    {"output_width", OptionType::Int, "0", "width of the composed picture; 0 (with output_height 0) = the scanout's"},
    {"output_height", OptionType::Int, "0", "height of the composed picture; 0 (with output_width 0) = the scanout's"},
};
static_assert(std::size(kSnapshotOptionSpecs) == 4, "list every shared snapshot option above");

std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<vugpu::egl_headless::EglHeadlessPresenter>(
      host, vugpu::egl_headless::EglHeadlessOptions::from(options));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_egl_headless_descriptor = vugpu::make_presenter_descriptor(
    "present.egl-headless", "0.1.0",
    "No window system: composes scanouts and cursor with EGL + GLES 3, writes PNG snapshots (libspng)", kOptions,
    create);
VUGPU_EXPORT_PLUGIN(vugpu_egl_headless_descriptor)

// After the daemon's sandbox is on: Mesa's own calls (egl-common/mesa_syscalls.hpp), and
// composing on a GPU's render node (option render_node) or importing a dma-buf frame goes
// through the DRM driver's ioctls (buffer allocation, PRIME import, command submission; declared
// from Mesa's DRM path, not measured here: no render node).
#if __has_include(<vugpu/sandbox.hpp>)
#include <vugpu/sandbox.hpp>
#include "mesa_syscalls.hpp"
namespace {
const char* const kSyscalls[] = {VUGPU_MESA_SYSCALLS, "ioctl"};
}  // namespace
VUGPU_EXPORT_SYSCALLS(kSyscalls)
#endif
