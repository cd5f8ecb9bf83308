// present.gtk: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "gtk_presenter.hpp"

namespace {

const vugpu::OptionSpec kOptions[] = {
    vugpu::window::kVmNameOption,
    {"layout", vugpu::OptionType::String, "windows", "\"windows\" = a window per scanout; \"tabs\" = one window, a tab each"},
    vugpu::window::kScaleOption,
    vugpu::window::kFilterOption,
    vugpu::window::kFullscreenOption,
    vugpu::window::kCloseOption,
    vugpu::window::kWaitForDisplayOption,
    {"screenshot_path", vugpu::OptionType::String, vugpu::window::kScreenshotPathDefault,
     "PNG written by F12 or the menu (right click): %s = scanout id, %n = screenshot number, %% = %"},
};

std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<vugpu::gtk::GtkPresenter>(host, vugpu::gtk::GtkOptions::from(options));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_gtk_descriptor = vugpu::make_presenter_descriptor(
    "present.gtk", "0.1.0", "Scanouts as GTK 3 windows or tabs (cairo, its own thread; dma-bufs read back through EGL where it imports them), cursor, PNG screenshots",
    kOptions, create);
VUGPU_EXPORT_PLUGIN(vugpu_gtk_descriptor)

// After the daemon's sandbox is on, GTK draws through X11's MIT-SHM (shm*), and GLib may start
// worker threads (clone3) and look names up (socket, connect). Measured with strace on the e2e
// test (tests/e2e/test_window_sdl.py --presenter gtk): shm* there; the rest for menus and files.
// ioctl: a GPU driver importing a dma-buf frame (egl-common's DmabufReader: DRM PRIME and buffer
// ioctls on its render node); not measurable here (no render node), declared from Mesa's import path.
// inotify_*: wait_for_display watches the folder of the display's socket (window-common's
// DisplayWaiter), and GTK opens it after the sandbox is on: getres[ug]id: libdbus's set-uid
// check when GTK's accessibility bridge connects to a session bus (strace with and without a
// session bus). GLX loads Mesa: its own calls (egl-common/mesa_syscalls.hpp). sched_[gs]etattr:
// GLib's thread pools (GTask's, GIO's) read the scheduling attributes when the first is made and
// set them in every pool thread they start, on demand (GLib 2.74; no e2e path makes one, so
// tests/unit/library-sandbox does).
#if __has_include(<vugpu/sandbox.hpp>)
#include <vugpu/sandbox.hpp>
#include "mesa_syscalls.hpp"
namespace {
const char* const kSyscalls[] = {VUGPU_MESA_SYSCALLS, "shmget", "shmat", "shmdt", "shmctl", "clone3", "socket",
                                 "connect", "ioctl", "inotify_init1", "inotify_add_watch", "getresuid", "getresgid",
                                 "sched_getattr", "sched_setattr"};
}  // namespace
VUGPU_EXPORT_SYSCALLS(kSyscalls)
#endif
