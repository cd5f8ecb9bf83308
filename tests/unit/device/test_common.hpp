// Shorthands shared by the device tests.
#pragma once
#include <gtest/gtest.h>
#include <drm_fourcc.h>
#include <linux/virtio_gpu.h>
#include <cstring>
#include "support/harness.hpp"

namespace vugpu::test {

inline constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
inline constexpr uint32_t kErrUnspec = VIRTIO_GPU_RESP_ERR_UNSPEC;
inline constexpr uint32_t kErrOom = VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
inline constexpr uint32_t kErrScanout = VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
inline constexpr uint32_t kErrResource = VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
inline constexpr uint32_t kErrContext = VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID;
inline constexpr uint32_t kErrParam = VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
inline constexpr uint32_t kXrgb = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;

inline HarnessOptions with_limits(const Limits& limits) {
  HarnessOptions o;
  o.settings.limits = limits;
  return o;
}

inline HarnessOptions scripted_options() {
  HarnessOptions o;
  o.scripted = true;
  return o;
}

// Pixels of the sub-rectangle r of a w-wide image `img` (4 bytes a pixel), row after row.
inline std::vector<uint8_t> crop(const std::vector<uint8_t>& img, uint32_t w, const Rect& r) {
  std::vector<uint8_t> out;
  for (uint32_t y = r.y; y < r.y + r.height; ++y) {
    const auto* row = img.data() + (size_t{y} * w + r.x) * 4;
    out.insert(out.end(), row, row + size_t{r.width} * 4);
  }
  return out;
}

// A response of exactly the size of T, as T (GET_DISPLAY_INFO's, GET_EDID's, ...).
template <typename T>
T response_as(const Submitted& s) {
  T r;
  EXPECT_EQ(s.written, sizeof r);
  std::memcpy(&r, s.response.data(), sizeof r);
  return r;
}
inline virtio_gpu_resp_display_info display_info_of(const Submitted& s) {
  return response_as<virtio_gpu_resp_display_info>(s);
}
inline virtio_gpu_resp_edid edid_of(const Submitted& s) { return response_as<virtio_gpu_resp_edid>(s); }

}  // namespace vugpu::test
