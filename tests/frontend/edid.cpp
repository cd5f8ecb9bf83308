#include "edid.hpp"
#include <algorithm>
#include <cstring>
#include <numeric>

namespace vugpu::frontend {

namespace {

constexpr uint8_t kHeader[8] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};

void detailed_timing(uint8_t* d, uint32_t w, uint32_t h) {
  // Reduced-blanking-like timing at 60 Hz: only the active size matters to a virtual display.
  const uint32_t hblank = 160, vblank = 23;
  const uint32_t clock_10khz = uint32_t(uint64_t(w + hblank) * (h + vblank) * 60 / 10000);
  const uint32_t mm_w = w * 254 / 960, mm_h = h * 254 / 960;  // 96 dpi
  d[0] = uint8_t(clock_10khz);
  d[1] = uint8_t(clock_10khz >> 8);
  d[2] = uint8_t(w);
  d[3] = uint8_t(hblank);
  d[4] = uint8_t(((w >> 8) & 0xf) << 4 | ((hblank >> 8) & 0xf));
  d[5] = uint8_t(h);
  d[6] = uint8_t(vblank);
  d[7] = uint8_t(((h >> 8) & 0xf) << 4 | ((vblank >> 8) & 0xf));
  d[8] = 48;           // hsync offset
  d[9] = 32;           // hsync width
  d[10] = 3 << 4 | 6;  // vsync offset, width
  d[11] = 0;
  d[12] = uint8_t(mm_w);
  d[13] = uint8_t(mm_h);
  d[14] = uint8_t(((mm_w >> 8) & 0xf) << 4 | ((mm_h >> 8) & 0xf));
  d[15] = d[16] = 0;
  d[17] = 0x18;  // digital separate sync
}

void text_descriptor(uint8_t* d, uint8_t tag, const std::string& text) {
  std::memset(d, 0, 18);
  d[3] = tag;
  std::memset(d + 5, 0x20, 13);
  const size_t n = std::min<size_t>(text.size(), 13);
  std::memcpy(d + 5, text.data(), n);
  if (n < 13) d[5 + n] = 0x0a;
}

}  // namespace

std::vector<uint8_t> make_edid(uint32_t width, uint32_t height, const std::string& name) {
  width = std::min<uint32_t>(width, 4095);
  height = std::min<uint32_t>(height, 4095);
  std::vector<uint8_t> e(128, 0);
  std::memcpy(e.data(), kHeader, 8);
  const uint16_t vendor = uint16_t(('V' - '@') << 10 | ('G' - '@') << 5 | ('T' - '@'));
  e[8] = uint8_t(vendor >> 8);
  e[9] = uint8_t(vendor);
  e[10] = 0x34;  // product code
  e[11] = 0x12;
  e[16] = 1;          // week
  e[17] = 2024 - 1990;
  e[18] = 1;          // EDID 1.4
  e[19] = 4;
  e[20] = 0xa5;       // digital, 8 bits per colour, DisplayPort
  e[21] = uint8_t(std::max<uint32_t>(1, width * 254 / 9600));   // cm
  e[22] = uint8_t(std::max<uint32_t>(1, height * 254 / 9600));
  e[23] = 120;        // gamma 2.2
  e[24] = 0x06;       // sRGB default, preferred timing is native
  const uint8_t srgb_chroma[10] = {0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54};
  std::memcpy(&e[25], srgb_chroma, 10);
  for (int i = 38; i < 54; ++i) e[i] = 0x01;  // no standard timings
  detailed_timing(&e[54], width, height);
  text_descriptor(&e[72], 0xfc, name);  // monitor name
  text_descriptor(&e[90], 0xff, "0001");  // serial
  text_descriptor(&e[108], 0x10, "");     // dummy
  std::memset(&e[108 + 5], 0, 13);
  e[126] = 0;  // no extension blocks
  e[127] = uint8_t(256 - std::accumulate(e.begin(), e.begin() + 127, 0u) % 256);
  return e;
}

EdidInfo parse_edid(std::span<const uint8_t> edid) {
  EdidInfo info;
  if (edid.size() < 128 || edid.size() % 128 != 0) {
    info.problem = "size " + std::to_string(edid.size()) + " is not a positive multiple of 128";
    return info;
  }
  if (std::memcmp(edid.data(), kHeader, 8) != 0) {
    info.problem = "bad header";
    return info;
  }
  if (edid[18] != 1) {
    info.problem = "EDID version " + std::to_string(edid[18]) + " is not 1";
    return info;
  }
  info.blocks = unsigned(edid.size() / 128);
  if (edid[126] + 1u > info.blocks) {
    info.problem = "block 0 announces " + std::to_string(edid[126]) + " extensions but only " +
                   std::to_string(info.blocks - 1) + " follow";
    return info;
  }
  for (unsigned b = 0; b < edid[126] + 1u; ++b) {
    const unsigned sum = std::accumulate(edid.begin() + b * 128, edid.begin() + (b + 1) * 128, 0u);
    if (sum % 256 != 0) {
      info.problem = "checksum of block " + std::to_string(b) + " is wrong";
      return info;
    }
  }
  for (int off = 54; off < 126; off += 18) {
    const uint8_t* d = &edid[off];
    if (d[0] || d[1]) {
      if (info.preferred_width == 0) {
        info.preferred_width = d[2] | (d[4] >> 4) << 8;
        info.preferred_height = d[5] | (d[7] >> 4) << 8;
      }
    } else if (d[3] == 0xfc) {
      std::string s(reinterpret_cast<const char*>(d + 5), 13);
      info.name = s.substr(0, s.find('\n'));
    }
  }
  info.valid = true;
  return info;
}

}  // namespace vugpu::frontend
