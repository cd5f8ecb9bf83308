// A guest's 2D image for the presenter tests and the window benchmark: a per-pixel pattern packed
// as each DRM fourcc defines it (written independently of vugpu::channel_offsets, which the
// presenters use), with padded rows. No gtest: bench/window uses it too.
#pragma once
#include <drm_fourcc.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>
#include "vugpu/format.hpp"
#include "vugpu/frame.hpp"
#include "vugpu/unique_fd.hpp"

static_assert(std::endian::native == std::endian::little, "DRM fourccs name little-endian words");

namespace vugpu::test {

struct Rgba {
  uint8_t r, g, b, a;
  friend bool operator==(const Rgba&, const Rgba&) = default;
};

// Packs one pixel the way DRM defines each format: a little-endian 32-bit word, most
// significant component named first (XRGB8888 = [31:0] x:R:G:B). Written independently of
// vugpu::channel_offsets, which the presenter uses.
inline uint32_t pack(uint32_t fourcc, Rgba p, uint8_t filler) {
  const auto word = [](uint8_t c3, uint8_t c2, uint8_t c1, uint8_t c0) {
    return uint32_t{c3} << 24 | uint32_t{c2} << 16 | uint32_t{c1} << 8 | c0;
  };
  switch (fourcc) {
    case DRM_FORMAT_ARGB8888: return word(p.a, p.r, p.g, p.b);
    case DRM_FORMAT_XRGB8888: return word(filler, p.r, p.g, p.b);
    case DRM_FORMAT_BGRA8888: return word(p.b, p.g, p.r, p.a);
    case DRM_FORMAT_BGRX8888: return word(p.b, p.g, p.r, filler);
    case DRM_FORMAT_ABGR8888: return word(p.a, p.b, p.g, p.r);
    case DRM_FORMAT_RGBX8888: return word(p.r, p.g, p.b, filler);
    case DRM_FORMAT_RGBA8888: return word(p.r, p.g, p.b, p.a);
    case DRM_FORMAT_XBGR8888: return word(filler, p.b, p.g, p.r);
  }
  std::fprintf(stderr, "guest_image.hpp: pack() knows no fourcc %#x\n", fourcc);  // a test's own mistake
  std::abort();
}

inline bool has_alpha(uint32_t fourcc) {
  return fourcc == DRM_FORMAT_ARGB8888 || fourcc == DRM_FORMAT_BGRA8888 || fourcc == DRM_FORMAT_ABGR8888 ||
         fourcc == DRM_FORMAT_RGBA8888;
}

inline Rgba color(uint32_t x, uint32_t y, uint32_t seed) {
  return {uint8_t(x * 37 + y * 11 + seed), uint8_t(x * 5 + y * 71 + 2 * seed), uint8_t(x * 13 + y * 3 + 3 * seed),
          uint8_t(x * 7 + y * 29 + 5 * seed + 1)};
}

// A resource's pixels as the guest wrote them (rows `stride` bytes apart, padding included).
struct GuestImage {
  uint32_t width, height, fourcc, stride;
  std::vector<uint8_t> bytes;
  GuestImage(uint32_t w, uint32_t h, uint32_t f) : width(w), height(h), fourcc(f), stride(w * 4 + 12), bytes(stride * h, 0xEE) {}

  // Alpha (and the X byte) varies per pixel: a presenter that showed X as transparency would fail.
  void paint(uint32_t seed, Rect r) {
    for (uint32_t y = r.y; y < r.bottom(); ++y)
      for (uint32_t x = r.x; x < r.right(); ++x) {
        const uint32_t v = pack(fourcc, color(x, y, seed), uint8_t(0x5A + x));
        std::memcpy(&bytes[y * stride + x * 4], &v, 4);
      }
  }
  void paint(uint32_t seed) { paint(seed, {0, 0, width, height}); }
  Frame frame(Rect view) const {
    Frame f;
    f.resource_id = 7;
    f.width = width;
    f.height = height;
    f.stride = stride;
    f.fourcc = fourcc;
    f.pixels = bytes.data();
    f.view = view;
    return f;
  }
  Frame frame() const { return frame({0, 0, width, height}); }
};

// The image in a memfd at `offset`, passed as a linear dma-buf with no CPU pointer: what a
// presenter must read through the fd (valid while `fd` lives).
struct MemfdDmabuf {
  UniqueFd fd;
  Frame frame;
};
inline MemfdDmabuf memfd_dmabuf(const GuestImage& img, uint32_t offset) {
  MemfdDmabuf d{UniqueFd(::memfd_create("fake-dmabuf", MFD_CLOEXEC)), img.frame()};
  if (!d.fd || ::pwrite(d.fd.get(), img.bytes.data(), img.bytes.size(), offset) != ssize_t(img.bytes.size()))
    throw std::runtime_error("memfd_dmabuf: memfd_create or pwrite failed");
  d.frame.pixels = nullptr;
  d.frame.dmabuf_fd = d.fd.get();
  d.frame.dmabuf_offset = offset;
  d.frame.modifier = DRM_FORMAT_MOD_LINEAR;
  return d;
}

inline std::string fourcc_name(uint32_t f) {
  std::string name(4, ' ');
  for (int i = 0; i < 4; ++i) name[i] = char(f >> (8 * i));
  return name;
}

inline constexpr uint32_t kAllFourccs[] = {DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888, DRM_FORMAT_BGRA8888,
                                          DRM_FORMAT_BGRX8888, DRM_FORMAT_ABGR8888, DRM_FORMAT_RGBX8888,
                                          DRM_FORMAT_RGBA8888, DRM_FORMAT_XBGR8888};

}  // namespace vugpu::test
