// The guest's pattern (guest_image.hpp) as the X screen shows it: colour channels only.
#pragma once
#include <cstdint>
#include "guest_image.hpp"
#include "x_screen.hpp"

namespace vugpu::test {

inline Rgb pattern_color(uint32_t x, uint32_t y, uint32_t seed) {
  const Rgba c = color(x, y, seed);
  return {c.r, c.g, c.b};
}

}  // namespace vugpu::test
