// The options of present.sdl (declared in plugin.cpp).
#pragma once
#include <cstdint>
#include <string>
#include "vugpu/options.hpp"

namespace vugpu::sdl {

enum class CloseAction { Hide, Ignore, Exit };
enum class Filter { Auto, Nearest, Linear };

struct SdlOptions {
  std::string vm_name;                  // window title prefix; empty: "vugpu"
  uint32_t zoom = 0;                    // 0: fit to the window (aspect kept); N: N x N pixels per pixel
  Filter filter = Filter::Auto;
  bool fullscreen = false;
  CloseAction close = CloseAction::Hide;
  int64_t max_fps = 0;                  // 0: the display's refresh rate
  std::string screenshot_path = "vugpu-screenshot-%s-%n.png";
  std::string renderer;                 // SDL render driver name; empty: SDL picks

  // Throws std::invalid_argument naming the option and the values it takes.
  static SdlOptions from(const OptionValues& values);
};

}  // namespace vugpu::sdl
