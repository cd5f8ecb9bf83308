// Decodes a PNG file with libspng into RGBA8 (tests only).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vugpu::test {

struct DecodedPng {
  uint32_t width = 0, height = 0;
  uint8_t color_type = 0;     // 2 = RGB, 6 = RGBA
  std::vector<uint8_t> rgba;  // width * height * 4
  const uint8_t* at(uint32_t x, uint32_t y) const { return rgba.data() + (uint64_t{y} * width + x) * 4; }
};

// Throws std::runtime_error naming the file when it cannot be read or decoded.
DecodedPng read_png(const std::filesystem::path& file);

}  // namespace vugpu::test
