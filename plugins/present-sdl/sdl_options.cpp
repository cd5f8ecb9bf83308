#include "sdl_options.hpp"

#include <stdexcept>

namespace vugpu::sdl {

SdlOptions SdlOptions::from(const OptionValues& values) {
  SdlOptions o;
  o.parse(values);
  o.max_fps = values.get_int("max_fps");
  if (o.max_fps < 0 || o.max_fps > 1000)
    throw std::invalid_argument("max_fps = " + std::to_string(o.max_fps) + ": use 0 (display refresh) to 1000");
  o.renderer = values.get_string("renderer");
  return o;
}

}  // namespace vugpu::sdl
