#include "screenshot.hpp"

#include <spng.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace vugpu::sdl {

namespace {

struct SpngFree {
  void operator()(spng_ctx* c) const { spng_ctx_free(c); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string expand_screenshot_path(const std::string& pattern, uint32_t scanout_id, uint64_t number) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out += pattern[i];
      continue;
    }
    const char c = i + 1 < pattern.size() ? pattern[++i] : '\0';
    if (c == 's') out += std::to_string(scanout_id);
    else if (c == 'n') out += std::to_string(number);
    else if (c == '%') out += '%';
    else throw std::invalid_argument("screenshot_path \"" + pattern + "\": unknown sequence '%" + std::string(1, c) +
                                     "' (use %s, %n or %%)");
  }
  return out;
}

void check_screenshot_path(const std::string& pattern) { (void)expand_screenshot_path(pattern, 0, 0); }

void write_screenshot(SDL_Renderer* renderer, const std::string& file) {
  const auto fail = [&file](const std::string& why) { return std::runtime_error("screenshot " + file + ": " + why); };
  int w = 0, h = 0;
  if (SDL_GetRendererOutputSize(renderer, &w, &h) != 0 || w <= 0 || h <= 0) throw fail(SDL_GetError());
  std::vector<uint32_t> argb(size_t(w) * size_t(h));
  if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_ARGB8888, argb.data(), w * 4) != 0)
    throw fail(SDL_GetError());
  std::vector<uint8_t> rgb(argb.size() * 3);
  for (size_t i = 0; i < argb.size(); ++i) {
    rgb[3 * i] = uint8_t(argb[i] >> 16);
    rgb[3 * i + 1] = uint8_t(argb[i] >> 8);
    rgb[3 * i + 2] = uint8_t(argb[i]);
  }
  const std::string temporary = file + ".tmp";
  {
    std::unique_ptr<FILE, FileClose> out(std::fopen(temporary.c_str(), "wb"));
    if (!out) throw fail(std::strerror(errno));
    std::unique_ptr<spng_ctx, SpngFree> ctx(spng_ctx_new(SPNG_CTX_ENCODER));
    if (!ctx) throw fail("libspng: out of memory");
    spng_ihdr ihdr{};
    ihdr.width = uint32_t(w);
    ihdr.height = uint32_t(h);
    ihdr.bit_depth = 8;
    ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR;
    int rc = spng_set_png_file(ctx.get(), out.get());
    if (!rc) rc = spng_set_ihdr(ctx.get(), &ihdr);
    if (!rc) rc = spng_set_option(ctx.get(), SPNG_IMG_COMPRESSION_LEVEL, 1);
    if (!rc) rc = spng_encode_image(ctx.get(), rgb.data(), rgb.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    if (rc) {
      std::remove(temporary.c_str());
      throw fail(std::string("libspng: ") + spng_strerror(rc));
    }
  }
  if (std::rename(temporary.c_str(), file.c_str()) != 0) {
    const int err = errno;
    std::remove(temporary.c_str());
    throw fail(std::strerror(err));
  }
}

}  // namespace vugpu::sdl
