#include "row_converter.hpp"

namespace vugpu::present_vhost_user {

std::optional<RowConverter> RowConverter::for_fourcc(uint32_t fourcc) {
  const auto o = channel_offsets(fourcc);
  if (!o) return std::nullopt;
  return RowConverter(*o);
}

void RowConverter::convert(const uint8_t* src, uint8_t* dst, uint32_t pixels) const {
  const int r = offsets_.r, g = offsets_.g, b = offsets_.b;
  for (uint32_t i = 0; i < pixels; ++i, src += 4, dst += 4) {
    // XRGB8888 little-endian: bytes B, G, R, X.
    dst[0] = src[b];
    dst[1] = src[g];
    dst[2] = src[r];
    dst[3] = 0xff;
  }
}

}  // namespace vugpu::present_vhost_user
