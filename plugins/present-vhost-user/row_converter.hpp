// Turns rows of any 32-bit 2D format of virtio-gpu into x8r8g8b8 (DRM XRGB8888, what QEMU's
// vhost-user-gpu UPDATE carries), for frames that cannot be sent as they are. Stateless; any
// thread.
#pragma once
#include <cstdint>
#include <optional>
#include "vugpu/format.hpp"

namespace vugpu::present_vhost_user {

class RowConverter {
 public:
  // Empty when the fourcc is not one of the eight 2D formats.
  static std::optional<RowConverter> for_fourcc(uint32_t fourcc);
  // Writes `pixels` XRGB8888 pixels to dst from src (both 4 bytes per pixel, may not overlap).
  void convert(const uint8_t* src, uint8_t* dst, uint32_t pixels) const;

 private:
  explicit RowConverter(ChannelOffsets o) : offsets_(o) {}
  ChannelOffsets offsets_;
};

// Formats QEMU takes as they are: XRGB8888, and ARGB8888 whose alpha it ignores.
constexpr bool sent_as_is(uint32_t fourcc) {
  return fourcc == DRM_FORMAT_XRGB8888 || fourcc == DRM_FORMAT_ARGB8888;
}

}  // namespace vugpu::present_vhost_user
