#include "png_reader.hpp"

#include <spng.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace vugpu::test {

DecodedPng read_png(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::unique_ptr<spng_ctx, void (*)(spng_ctx*)> ctx(spng_ctx_new(0), spng_ctx_free);
  const auto check = [&](int rc) {
    if (rc) throw std::runtime_error(file.string() + ": " + spng_strerror(rc));
  };
  check(spng_set_png_buffer(ctx.get(), bytes.data(), bytes.size()));
  spng_ihdr ihdr{};
  check(spng_get_ihdr(ctx.get(), &ihdr));
  size_t size = 0;
  check(spng_decoded_image_size(ctx.get(), SPNG_FMT_RGBA8, &size));
  DecodedPng out;
  out.width = ihdr.width;
  out.height = ihdr.height;
  out.color_type = ihdr.color_type;
  out.rgba.resize(size);
  check(spng_decode_image(ctx.get(), out.rgba.data(), size, SPNG_FMT_RGBA8, 0));
  return out;
}

}  // namespace vugpu::test
