// The options of present.gtk (declared in plugin.cpp).
#pragma once
#include <cstdint>
#include <string>
#include "vugpu/options.hpp"

namespace vugpu::gtk {

enum class CloseAction { Hide, Ignore, Exit };
enum class Filter { Auto, Nearest, Linear };

struct GtkOptions {
  std::string vm_name;   // window title prefix; empty: "vugpu"
  bool tabs = false;     // one window with a tab per scanout instead of a window each
  uint32_t zoom = 0;     // 0: fit to the window (aspect kept); N: N x N device pixels per pixel
  Filter filter = Filter::Auto;
  bool fullscreen = false;
  CloseAction close = CloseAction::Hide;
  std::string screenshot_path = "vugpu-screenshot-%s-%n.png";

  // Throws std::invalid_argument naming the option and the values it takes.
  static GtkOptions from(const OptionValues& values);
};

}  // namespace vugpu::gtk
