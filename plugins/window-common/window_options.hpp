// The options every windowed presenter (present.sdl, present.gtk) takes with the same meaning:
// the shared part of their option tables and its parser. Each plugin adds its own keys
// (present.sdl: max_fps, renderer; present.gtk: layout) in a struct deriving from this one.
// Any thread (plain data; parsed once, on the device loop, by the plugin's factory).
#pragma once
#include <cstdint>
#include <string>
#include "vugpu/options.hpp"

namespace vugpu::window {

inline constexpr const char* kScreenshotPathDefault = "vugpu-screenshot-%s-%n.png";

enum class CloseAction { Hide, Ignore, Exit };
enum class Filter { Auto, Nearest, Linear };

struct WindowOptions {
  std::string vm_name;                  // window title prefix; empty: "vugpu"
  uint32_t zoom = 0;                    // 0: fit to the window (aspect kept); N: N x N device pixels per pixel
  Filter filter = Filter::Auto;
  bool fullscreen = false;
  CloseAction close = CloseAction::Hide;
  std::string screenshot_path = kScreenshotPathDefault;
  // A display that is named ($DISPLAY / $WAYLAND_DISPLAY) but not up yet: serve the guest and
  // open the windows once it is (display_waiter.hpp) instead of failing at start.
  bool wait_for_display = false;

  // Reads vm_name, scale, filter, fullscreen, close, screenshot_path and wait_for_display. Throws
  // std::invalid_argument naming the option and the values it takes.
  void parse(const OptionValues& values);
};

// The shared rows of the option tables, in a plugin.cpp's kOptions[] (screenshot_path's help
// differs: the plugin writes that row itself, with kScreenshotPathDefault).
inline constexpr OptionSpec kVmNameOption{"vm_name", OptionType::String, "",
                                          "shown in the window title before the scanout; empty = \"vugpu\""};
inline constexpr OptionSpec kScaleOption{
    "scale", OptionType::String, "fit",
    "\"fit\" = fill the window, aspect kept (letterbox); \"1\", \"2\", ... = that integer zoom"};
inline constexpr OptionSpec kFilterOption{
    "filter", OptionType::String, "auto",
    "\"auto\" = nearest at integer scales, linear otherwise; \"nearest\"; \"linear\""};
inline constexpr OptionSpec kFullscreenOption{"fullscreen", OptionType::Bool, "false",
                                              "start full screen (F11 toggles)"};
inline constexpr OptionSpec kCloseOption{
    "close", OptionType::String, "hide",
    "closing a window: \"hide\" (until the guest sets the scanout again), \"ignore\", \"exit\" (vugpu stops)"};
inline constexpr OptionSpec kWaitForDisplayOption{
    "wait_for_display", OptionType::Bool, "false",
    "true = a display named by $DISPLAY / $WAYLAND_DISPLAY but not up yet (vugpu started before the X session) is "
    "waited for: vugpu serves the guest meanwhile and opens its windows, showing its latest picture, once the "
    "display accepts connections; false = that fails at start. Neither variable set fails at start either way"};

}  // namespace vugpu::window
