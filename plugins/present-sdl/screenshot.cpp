#include "screenshot.hpp"

#include <stdexcept>
#include <vector>
#include "rgb_png.hpp"

namespace vugpu::sdl {

void write_screenshot(SDL_Renderer* renderer, const std::string& file) {
  int w = 0, h = 0;
  if (SDL_GetRendererOutputSize(renderer, &w, &h) != 0 || w <= 0 || h <= 0)
    throw std::runtime_error("screenshot " + file + ": " + SDL_GetError());
  std::vector<uint32_t> argb(size_t(w) * size_t(h));
  if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_ARGB8888, argb.data(), w * 4) != 0)
    throw std::runtime_error("screenshot " + file + ": " + SDL_GetError());
  std::vector<uint8_t> rgb(argb.size() * 3);
  for (size_t i = 0; i < argb.size(); ++i) {
    rgb[3 * i] = uint8_t(argb[i] >> 16);
    rgb[3 * i + 1] = uint8_t(argb[i] >> 8);
    rgb[3 * i + 2] = uint8_t(argb[i]);
  }
  window::write_rgb_png(file, uint32_t(w), uint32_t(h), rgb);
}

}  // namespace vugpu::sdl
