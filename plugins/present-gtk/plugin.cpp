// present.gtk: the export, nothing else.
#include <vugpu/plugin.hpp>
#include "gtk_presenter.hpp"

namespace {

const vugpu::OptionSpec kOptions[] = {
    {"vm_name", vugpu::OptionType::String, "", "shown in the window title before the scanout; empty = \"vugpu\""},
    {"layout", vugpu::OptionType::String, "windows", "\"windows\" = a window per scanout; \"tabs\" = one window, a tab each"},
    {"scale", vugpu::OptionType::String, "fit",
     "\"fit\" = fill the window, aspect kept (letterbox); \"1\", \"2\", ... = that integer zoom"},
    {"filter", vugpu::OptionType::String, "auto",
     "\"auto\" = nearest at integer scales, linear otherwise; \"nearest\"; \"linear\""},
    {"fullscreen", vugpu::OptionType::Bool, "false", "start full screen (F11 toggles)"},
    {"close", vugpu::OptionType::String, "hide",
     "closing a window: \"hide\" (until the guest sets the scanout again), \"ignore\", \"exit\" (vugpu stops)"},
    {"screenshot_path", vugpu::OptionType::String, "vugpu-screenshot-%s-%n.png",
     "PNG written by F12 or the menu (right click): %s = scanout id, %n = screenshot number, %% = %"},
};

std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<vugpu::gtk::GtkPresenter>(host, vugpu::gtk::GtkOptions::from(options));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_gtk_descriptor = vugpu::make_presenter_descriptor(
    "present.gtk", "0.1.0", "Scanouts as GTK 3 windows or tabs (cairo, its own thread), cursor, PNG screenshots",
    kOptions, create);
VUGPU_EXPORT_PLUGIN(vugpu_gtk_descriptor)

// After the daemon's sandbox is on, GTK draws through X11's MIT-SHM (shm*), and GLib may start
// worker threads (clone3) and look names up (socket, connect). Measured with strace on the e2e
// test (tests/e2e/test_window_sdl.py --presenter gtk): shm* there; the rest for menus and files.
#if __has_include(<vugpu/sandbox.hpp>)
#include <vugpu/sandbox.hpp>
namespace {
const char* const kSyscalls[] = {"shmget", "shmat", "shmdt", "shmctl", "clone3", "socket", "connect"};
}  // namespace
VUGPU_EXPORT_SYSCALLS(kSyscalls)
#endif
