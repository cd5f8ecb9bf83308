#include "device/edid.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace vugpu {

namespace {

constexpr uint32_t kMaxDetailed = 4095;        // 12-bit fields of a detailed timing descriptor
constexpr uint64_t kMaxPixelClockHz = 655350000; // 16 bits of 10 kHz
constexpr double kDotsPerMm = 96.0 / 25.4;     // physical size reported for a 96 dpi screen

// CVT reduced blanking (v1): fixed horizontal blanking, vertical blanking of at least 460 us.
constexpr uint32_t kHFront = 48, kHSync = 32, kHBlank = 160;
constexpr uint32_t kVFront = 3, kVSync = 6, kVMinBack = 6;
constexpr double kMinVBlankUs = 460.0;

struct Timing {
  uint32_t h_active, h_blank, h_front, h_sync;
  uint32_t v_active, v_blank, v_front, v_sync;
  uint64_t pixel_clock_hz;
  uint32_t h_total() const { return h_active + h_blank; }
  uint32_t v_total() const { return v_active + v_blank; }
};

Timing reduced_blanking(uint32_t w, uint32_t h) {
  Timing t{w, kHBlank, kHFront, kHSync, h, 0, kVFront, kVSync, 0};
  const double line_us = (1e6 / 60.0 - kMinVBlankUs) / h;
  t.v_blank = std::max<uint32_t>(static_cast<uint32_t>(std::ceil(kMinVBlankUs / line_us)), kVFront + kVSync + kVMinBack);
  uint64_t clock = uint64_t{t.h_total()} * t.v_total() * 60;
  if (clock > kMaxPixelClockHz) clock = kMaxPixelClockHz;  // lower the refresh rate instead
  t.pixel_clock_hz = clock / 10000 * 10000;                 // the descriptor's 10 kHz steps
  return t;
}

// Three letters, 5 bits each, big-endian (EDID bytes 8-9).
constexpr uint16_t manufacturer_id(const char (&s)[4]) {
  return static_cast<uint16_t>(((s[0] - '@') << 10) | ((s[1] - '@') << 5) | (s[2] - '@'));
}

// 10-bit CIE xy coordinate of the chromaticity block.
constexpr uint16_t cie(double v) { return static_cast<uint16_t>(v * 1024.0 + 0.5); }

void put_detailed_timing(uint8_t* d, const Timing& t) {
  const uint32_t clock = static_cast<uint32_t>(t.pixel_clock_hz / 10000);
  const uint32_t w_mm = std::min<uint32_t>(kMaxDetailed, static_cast<uint32_t>(t.h_active / kDotsPerMm + 0.5));
  const uint32_t h_mm = std::min<uint32_t>(kMaxDetailed, static_cast<uint32_t>(t.v_active / kDotsPerMm + 0.5));
  d[0] = clock & 0xff;
  d[1] = clock >> 8;
  d[2] = t.h_active & 0xff;
  d[3] = t.h_blank & 0xff;
  d[4] = static_cast<uint8_t>(((t.h_active >> 8) << 4) | (t.h_blank >> 8));
  d[5] = t.v_active & 0xff;
  d[6] = t.v_blank & 0xff;
  d[7] = static_cast<uint8_t>(((t.v_active >> 8) << 4) | (t.v_blank >> 8));
  d[8] = t.h_front & 0xff;
  d[9] = t.h_sync & 0xff;
  d[10] = static_cast<uint8_t>(((t.v_front & 0xf) << 4) | (t.v_sync & 0xf));
  d[11] = static_cast<uint8_t>(((t.h_front >> 8) << 6) | ((t.h_sync >> 8) << 4) | ((t.v_front >> 4) << 2) | (t.v_sync >> 4));
  d[12] = w_mm & 0xff;
  d[13] = h_mm & 0xff;
  d[14] = static_cast<uint8_t>(((w_mm >> 8) << 4) | (h_mm >> 8));
  d[15] = 0;     // no borders
  d[16] = 0;
  d[17] = 0x1a;  // digital separate sync, hsync +, vsync - (as CVT reduced blanking)
}

// Display descriptor header: 00 00 00 <tag> 00.
uint8_t* put_descriptor_header(uint8_t* d, uint8_t tag) {
  d[3] = tag;
  return d + 5;
}

void put_range_limits(uint8_t* d, const Timing& t) {
  const double refresh = double(t.pixel_clock_hz) / (double(t.h_total()) * t.v_total());
  const double h_khz = double(t.pixel_clock_hz) / t.h_total() / 1000.0;
  uint8_t* p = put_descriptor_header(d, 0xfd);
  p[0] = static_cast<uint8_t>(std::clamp(std::floor(refresh), 1.0, 50.0));     // min V (Hz)
  p[1] = static_cast<uint8_t>(std::clamp(std::ceil(refresh), 60.0, 255.0));    // max V (Hz)
  p[2] = static_cast<uint8_t>(std::clamp(std::floor(h_khz), 1.0, 30.0));       // min H (kHz)
  p[3] = static_cast<uint8_t>(std::clamp(std::ceil(h_khz), 31.0, 255.0));      // max H (kHz)
  p[4] = static_cast<uint8_t>(std::clamp((t.pixel_clock_hz + 9999999) / 10000000, uint64_t{1}, uint64_t{255}));
  p[5] = 0x01;  // range limits only, no timing formula
  p[6] = 0x0a;
  std::memset(p + 7, 0x20, 6);
}

void put_name(uint8_t* d, const char* name) {
  uint8_t* p = put_descriptor_header(d, 0xfc);
  std::memset(p, 0x20, 13);
  const size_t n = std::min<size_t>(std::strlen(name), 12);
  std::memcpy(p, name, n);
  p[n] = 0x0a;
}

}  // namespace

std::optional<EdidBlock> make_edid(uint32_t width, uint32_t height, uint32_t serial) {
  if (width == 0 || height == 0 || width > kMaxDetailed || height > kMaxDetailed) return std::nullopt;
  const Timing t = reduced_blanking(width, height);
  if (t.pixel_clock_hz == 0) return std::nullopt;

  EdidBlock e{};
  const uint8_t header[8] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
  std::memcpy(e.data(), header, sizeof header);
  const uint16_t mfg = manufacturer_id("VUG");
  e[8] = mfg >> 8;
  e[9] = mfg & 0xff;
  e[10] = 0x01;  // product code
  e[11] = 0x00;
  e[12] = serial & 0xff;
  e[13] = (serial >> 8) & 0xff;
  e[14] = (serial >> 16) & 0xff;
  e[15] = (serial >> 24) & 0xff;
  e[16] = 0;          // week: not given
  e[17] = 2025 - 1990;
  e[18] = 1;          // EDID 1.4
  e[19] = 4;
  e[20] = 0xa0;       // digital input, 8 bits per colour, interface not given
  e[21] = static_cast<uint8_t>(std::clamp(width / kDotsPerMm / 10.0 + 0.5, 1.0, 255.0));   // cm
  e[22] = static_cast<uint8_t>(std::clamp(height / kDotsPerMm / 10.0 + 0.5, 1.0, 255.0));
  e[23] = 120;        // gamma 2.2
  e[24] = 0x06;       // RGB 4:4:4, sRGB default, first detailed timing is the preferred mode

  // sRGB primaries and D65 white point.
  const uint16_t rx = cie(0.640), ry = cie(0.330), gx = cie(0.300), gy = cie(0.600);
  const uint16_t bx = cie(0.150), by = cie(0.060), wx = cie(0.3127), wy = cie(0.3290);
  e[25] = static_cast<uint8_t>(((rx & 3) << 6) | ((ry & 3) << 4) | ((gx & 3) << 2) | (gy & 3));
  e[26] = static_cast<uint8_t>(((bx & 3) << 6) | ((by & 3) << 4) | ((wx & 3) << 2) | (wy & 3));
  const uint16_t high[8] = {rx, ry, gx, gy, bx, by, wx, wy};
  for (int i = 0; i < 8; ++i) e[27 + i] = static_cast<uint8_t>(high[i] >> 2);

  // 35-37: no established timings. 38-53: standard timings unused.
  for (int i = 38; i < 54; ++i) e[i] = 0x01;

  put_detailed_timing(&e[54], t);
  put_name(&e[72], "vugpu");
  put_range_limits(&e[90], t);
  put_descriptor_header(&e[108], 0x10);  // dummy descriptor

  e[126] = 0;  // no extension blocks
  const unsigned sum = std::accumulate(e.begin(), e.end() - 1, 0u);
  e[127] = static_cast<uint8_t>((256 - sum % 256) % 256);
  return e;
}

}  // namespace vugpu
