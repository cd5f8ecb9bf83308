// Zero-copy scanout: a GL texture of virglrenderer exported as a dmabuf with
// EGL_MESA_image_dma_buf_export. Only displays on a real render node offer that; on the
// surfaceless platform (llvmpipe) the extension is missing and frames are read back instead.
//
// Threading: device loop thread only (needs virglrenderer's GL context current there).
#pragma once
#include <cstdint>
#include <optional>
#include "vugpu/unique_fd.hpp"

namespace vugpu::virgl {

class EglDisplay;

struct DmabufExport {
  UniqueFd fd;
  uint32_t fourcc = 0;
  uint32_t stride = 0;
  uint32_t offset = 0;
  uint64_t modifier = 0;
};

// True when the display can export textures at all.
bool can_export_dmabuf(const EglDisplay& egl);

// Exports texture tex_id (a GL_TEXTURE_2D of the context current on this thread or one
// sharing with it). nullopt when the texture cannot be exported as a single plane.
std::optional<DmabufExport> export_texture(const EglDisplay& egl, uint32_t tex_id);

}  // namespace vugpu::virgl
