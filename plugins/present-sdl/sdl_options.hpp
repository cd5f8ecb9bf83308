// The options of present.sdl (declared in plugin.cpp): the windowed presenters' shared ones
// (window-common) and SDL's own.
#pragma once
#include <cstdint>
#include <string>
#include "vugpu/options.hpp"
#include "window_options.hpp"

namespace vugpu::sdl {

using window::CloseAction;
using window::Filter;

struct SdlOptions : window::WindowOptions {
  int64_t max_fps = 0;                  // 0: the display's refresh rate
  std::string renderer;                 // SDL render driver name; empty: SDL picks

  // Throws std::invalid_argument naming the option and the values it takes.
  static SdlOptions from(const OptionValues& values);
};

}  // namespace vugpu::sdl
