#include "dmabuf_import.hpp"

#include <drm_fourcc.h>
#include <vector>

namespace vugpu::egl_headless {

std::optional<DmabufImage> DmabufImage::import(const EglSetup& egl, const Frame& frame) {
  if (!egl.can_import_dmabuf() || frame.dmabuf_fd < 0) return std::nullopt;
  std::vector<EGLint> attribs = {
      EGL_WIDTH, EGLint(frame.width), EGL_HEIGHT, EGLint(frame.height),
      EGL_LINUX_DRM_FOURCC_EXT, EGLint(frame.fourcc),
      EGL_DMA_BUF_PLANE0_FD_EXT, frame.dmabuf_fd,
      EGL_DMA_BUF_PLANE0_OFFSET_EXT, EGLint(frame.dmabuf_offset),
      EGL_DMA_BUF_PLANE0_PITCH_EXT, EGLint(frame.stride)};
  if (egl.has_import_modifiers() && frame.modifier != DRM_FORMAT_MOD_INVALID) {
    attribs.insert(attribs.end(), {EGL_DMA_BUF_PLANE0_MODIFIER_LO_EXT, EGLint(frame.modifier & 0xffffffffu),
                                   EGL_DMA_BUF_PLANE0_MODIFIER_HI_EXT, EGLint(frame.modifier >> 32)});
  } else if (frame.modifier != DRM_FORMAT_MOD_LINEAR && frame.modifier != DRM_FORMAT_MOD_INVALID) {
    return std::nullopt;  // a tiled buffer that cannot be described to this driver
  }
  attribs.push_back(EGL_NONE);
  EGLImageKHR image =
      egl.egl().create_image(egl.display(), EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, nullptr, attribs.data());
  if (image == EGL_NO_IMAGE_KHR) return std::nullopt;
  GLuint name = 0;
  glGenTextures(1, &name);
  GlTexture texture(name);
  glBindTexture(GL_TEXTURE_2D, name);
  egl.egl().image_target_texture(GL_TEXTURE_2D, image);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  if (glGetError() != GL_NO_ERROR) {
    egl.egl().destroy_image(egl.display(), image);
    return std::nullopt;
  }
  return DmabufImage(egl, image, std::move(texture));
}

DmabufImage::DmabufImage(DmabufImage&& o) noexcept
    : egl_(o.egl_), image_(std::exchange(o.image_, EGL_NO_IMAGE_KHR)), texture_(std::move(o.texture_)) {}

DmabufImage::~DmabufImage() {
  texture_.reset();
  if (image_ != EGL_NO_IMAGE_KHR) egl_->egl().destroy_image(egl_->display(), image_);
}

}  // namespace vugpu::egl_headless
