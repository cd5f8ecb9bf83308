#include "rgb_png.hpp"

#include <spng.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace vugpu::window {

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

void write_rgb_png(const std::string& file, uint32_t width, uint32_t height, const std::vector<uint8_t>& rgb) {
  const auto fail = [&file](const std::string& why) { return std::runtime_error("screenshot " + file + ": " + why); };
  if (width == 0 || height == 0 || rgb.size() != uint64_t{width} * height * 3) throw fail("empty image");
  const std::string temporary = file + ".tmp";
  {
    std::unique_ptr<FILE, FileClose> out(std::fopen(temporary.c_str(), "wb"));
    if (!out) throw fail(std::strerror(errno));
    std::unique_ptr<spng_ctx, SpngFree> ctx(spng_ctx_new(SPNG_CTX_ENCODER));
    if (!ctx) throw fail("libspng: out of memory");
    spng_ihdr ihdr{};
    ihdr.width = width;
    ihdr.height = height;
    ihdr.bit_depth = 8;
    ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR;
    int rc = spng_set_png_file(ctx.get(), out.get());
    if (!rc) rc = spng_set_ihdr(ctx.get(), &ihdr);
    if (!rc) rc = spng_set_option(ctx.get(), SPNG_IMG_COMPRESSION_LEVEL, 1);
    if (!rc) rc = spng_encode_image(ctx.get(), rgb.data(), rgb.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    if (rc) {
      out.reset();
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

}  // namespace vugpu::window
