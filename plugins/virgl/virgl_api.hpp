// The one place that includes virglrenderer's C header (0.10.4 ships it without extern "C")
// and names the few protocol constants the plugin needs, so no other file repeats them.
#pragma once
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include "vugpu/status.hpp"

extern "C" {
#define VIRGL_RENDERER_UNSTABLE_APIS 1  // callbacks version 4: get_egl_display
#include <virgl/virglrenderer.h>
}

// virglrenderer's header only declares this; the library reads it as six 32-bit fields
// (x, y, z, w, h, d), the layout of virtio_gpu_box.
struct virgl_box {
  uint32_t x, y, z, w, h, d;
};

namespace vugpu::virgl {

// Gallium values the plugin speaks (virglrenderer's virgl_hw.h is not installed).
inline constexpr uint32_t kPipeBuffer = 0;
inline constexpr uint32_t kPipeTexture2D = 2;
inline constexpr uint32_t kPipeTextureRect = 1;
inline constexpr uint32_t kBindRenderTarget = VIRGL_RES_BIND_RENDER_TARGET;
// "row 0 of the guest's image is the top": virglrenderer flips rows on transfers for it.
inline constexpr uint32_t kResourceY0Top = 1u << 0;

inline constexpr uint32_t kCapsetVirgl = 1;
inline constexpr uint32_t kCapsetVirgl2 = 2;

// virglrenderer returns errno values, some positive and some negative.
inline Status status_from_virgl(int ret) {
  if (ret == 0) return Status::Ok;
  switch (std::abs(ret)) {
    case ENOMEM: return Status::OutOfMemory;
    case EINVAL: return Status::InvalidParameter;
    default: return Status::Unspec;
  }
}

}  // namespace vugpu::virgl
