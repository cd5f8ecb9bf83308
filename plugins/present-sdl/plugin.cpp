// present.sdl: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "sdl_presenter.hpp"

namespace {

const vugpu::OptionSpec kOptions[] = {
    vugpu::window::kVmNameOption,
    vugpu::window::kScaleOption,
    vugpu::window::kFilterOption,
    vugpu::window::kFullscreenOption,
    vugpu::window::kCloseOption,
    vugpu::window::kWaitForDisplayOption,
    {"max_fps", vugpu::OptionType::Int, "0", "most windows redraws per second; 0 = the display's refresh rate"},
    {"screenshot_path", vugpu::OptionType::String, vugpu::window::kScreenshotPathDefault,
     "PNG written by F12: %s = scanout id, %n = screenshot number, %% = %"},
    {"renderer", vugpu::OptionType::String, "",
     "SDL render driver (\"software\", \"opengl\", \"opengles2\"); empty = SDL's choice, but on X11 "
     "\"software\" when that is OpenGL on a CPU rasteriser (llvmpipe: no GPU)"},
};

std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<vugpu::sdl::SdlPresenter>(host, vugpu::sdl::SdlOptions::from(options));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_sdl_descriptor = vugpu::make_presenter_descriptor(
    "present.sdl", "0.1.0", "A window per scanout (SDL2, its own thread), CPU frames (dma-bufs read back through EGL where it imports them), cursor, PNG screenshots",
    kOptions, create);
VUGPU_EXPORT_PLUGIN(vugpu_sdl_descriptor)

// After the daemon's sandbox is on, a window is created when the guest first sets a scanout:
// SDL's GL renderer loads Mesa (its own calls: egl-common/mesa_syscalls.hpp) and starts
// llvmpipe's threads (clone3), Mesa looks up the user (nscd: socket, connect), X11 shares images
// through MIT-SHM (shm*). Measured with strace on the e2e test (tests/e2e/test_window_sdl.py).
// ioctl: a GPU driver importing a dma-buf frame (egl-common's DmabufReader: DRM PRIME and buffer
// ioctls on its render node); not measurable here (no render node), declared from Mesa's import
// path. inotify_*: wait_for_display watches the folder of the display's socket (window-common's
// DisplayWaiter); SDL's video then starts after the sandbox is on, with nothing more (its D-Bus
// connection is made before: sdl_thread.cpp; strace, with and without a session bus).
#if __has_include(<vugpu/sandbox.hpp>)
#include <vugpu/sandbox.hpp>
#include "mesa_syscalls.hpp"
namespace {
const char* const kSyscalls[] = {VUGPU_MESA_SYSCALLS, "clone3", "shmget", "shmat", "shmdt", "shmctl", "socket",
                                 "connect", "ioctl", "inotify_init1", "inotify_add_watch"};
}  // namespace
VUGPU_EXPORT_SYSCALLS(kSyscalls)
#endif
