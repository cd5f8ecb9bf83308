// The eight 2D formats of virtio-gpu and their DRM fourcc. virtio names list bytes in memory
// order (B8G8R8X8 = bytes B,G,R,X), DRM names a little-endian 32-bit word (XRGB8888), so
// B8G8R8X8 is XRGB8888 and so on.
#pragma once
#include <cstdint>
#include <optional>
#include <linux/virtio_gpu.h>
#include <drm_fourcc.h>

namespace vugpu {

constexpr uint32_t kBytesPerPixel = 4;  // every 2D format of the spec is 32 bits per pixel

constexpr std::optional<uint32_t> fourcc_from_virtio(uint32_t virtio_format) {
  switch (virtio_format) {
    case VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM: return DRM_FORMAT_ARGB8888;
    case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM: return DRM_FORMAT_XRGB8888;
    case VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM: return DRM_FORMAT_BGRA8888;
    case VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM: return DRM_FORMAT_BGRX8888;
    case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM: return DRM_FORMAT_ABGR8888;
    case VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM: return DRM_FORMAT_RGBX8888;
    case VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM: return DRM_FORMAT_RGBA8888;
    case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM: return DRM_FORMAT_XBGR8888;
    default: return std::nullopt;
  }
}

// Byte positions of red, green, blue and alpha inside one pixel of a 2D fourcc above
// (alpha = -1 when the format has none). Lets a presenter convert without a table per format.
struct ChannelOffsets { int r, g, b, a; };
constexpr std::optional<ChannelOffsets> channel_offsets(uint32_t fourcc) {
  switch (fourcc) {
    case DRM_FORMAT_ARGB8888: return ChannelOffsets{2, 1, 0, 3};
    case DRM_FORMAT_XRGB8888: return ChannelOffsets{2, 1, 0, -1};
    case DRM_FORMAT_BGRA8888: return ChannelOffsets{1, 2, 3, 0};
    case DRM_FORMAT_BGRX8888: return ChannelOffsets{1, 2, 3, -1};
    case DRM_FORMAT_ABGR8888: return ChannelOffsets{0, 1, 2, 3};
    case DRM_FORMAT_RGBX8888: return ChannelOffsets{3, 2, 1, -1};
    case DRM_FORMAT_RGBA8888: return ChannelOffsets{3, 2, 1, 0};
    case DRM_FORMAT_XBGR8888: return ChannelOffsets{0, 1, 2, -1};
    default: return std::nullopt;
  }
}

}  // namespace vugpu
