// A Frame is what a presenter receives: one resource as the scanout shows it.
#pragma once
#include <cstdint>
#include <functional>
#include <utility>
#include "vugpu/geometry.hpp"

namespace vugpu {

struct Frame {
  uint32_t resource_id = 0;
  uint32_t width = 0, height = 0;  // of the whole resource
  uint32_t stride = 0;             // bytes per row of `pixels`
  uint32_t fourcc = 0;             // DRM fourcc
  uint64_t modifier = 0;           // DRM_FORMAT_MOD_LINEAR unless a dmabuf says otherwise
  const uint8_t* pixels = nullptr; // CPU view of row 0, or null when only a dmabuf exists
  int dmabuf_fd = -1;              // borrowed: valid until release; -1 when none
  uint32_t dmabuf_offset = 0;
  Rect view;                       // the part of the resource this scanout shows (SET_SCANOUT r)
  bool y0_top = true;              // false: rows are stored bottom-up (GL textures)

  // Address of pixel (x, y) in scanout coordinates (0,0 = top-left of `view`).
  const uint8_t* at(uint32_t x, uint32_t y) const {
    return pixels + (uint64_t{view.y} + y) * stride + (uint64_t{view.x} + x) * 4;
  }
};

// Handed to a presenter with each frame. The presenter keeps it as long as it reads the frame's
// pixels or dmabuf, then calls release() or lets it go out of scope (either is fine, once).
// release() may run on any thread: the core posts the completion back to the device loop, and
// only then completes the guest's RESOURCE_FLUSH (and its fence). A presenter that copies or
// draws synchronously inside present() simply drops it.
class FrameRelease {
 public:
  FrameRelease() = default;
  explicit FrameRelease(std::function<void()> on_release) : fn_(std::move(on_release)) {}
  FrameRelease(FrameRelease&& o) noexcept : fn_(std::exchange(o.fn_, nullptr)) {}
  FrameRelease& operator=(FrameRelease&& o) noexcept {
    if (this != &o) { release(); fn_ = std::exchange(o.fn_, nullptr); }
    return *this;
  }
  FrameRelease(const FrameRelease&) = delete;
  FrameRelease& operator=(const FrameRelease&) = delete;
  ~FrameRelease() { release(); }

  void release() {
    if (auto fn = std::exchange(fn_, nullptr)) fn();
  }

 private:
  std::function<void()> fn_;
};

}  // namespace vugpu
