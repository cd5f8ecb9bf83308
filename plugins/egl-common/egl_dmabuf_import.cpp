#include "egl_dmabuf_import.hpp"

#include <GLES3/gl3.h>
#include <drm_fourcc.h>
#include <vector>

namespace vugpu::egl {

bool gl_has_extension(std::string_view name) {
  GLint count = 0;
  glGetIntegerv(GL_NUM_EXTENSIONS, &count);
  for (GLint i = 0; i < count; ++i)
    if (const auto* e = reinterpret_cast<const char*>(glGetStringi(GL_EXTENSIONS, GLuint(i))); e && name == e)
      return true;
  return false;
}

DmabufImport::DmabufImport(const EglPlatformDisplay& display) : display_(display.handle()) {
  if (!display.has_extension("EGL_EXT_image_dma_buf_import")) {
    problem_ = "EGL_EXT_image_dma_buf_import missing";
    return;
  }
  if (!gl_has_extension("GL_OES_EGL_image")) {
    problem_ = "GL_OES_EGL_image missing";
    return;
  }
  auto create = reinterpret_cast<PFNEGLCREATEIMAGEKHRPROC>(eglGetProcAddress("eglCreateImageKHR"));
  destroy_image_ = reinterpret_cast<PFNEGLDESTROYIMAGEKHRPROC>(eglGetProcAddress("eglDestroyImageKHR"));
  image_target_texture_ =
      reinterpret_cast<PFNGLEGLIMAGETARGETTEXTURE2DOESPROC>(eglGetProcAddress("glEGLImageTargetTexture2DOES"));
  if (!create || !destroy_image_ || !image_target_texture_) {
    problem_ = "EGL image functions missing";
    return;
  }
  create_image_ = create;  // last: available() from here on
  modifiers_ = display.has_extension("EGL_EXT_image_dma_buf_import_modifiers");
}

EGLImageKHR DmabufImport::create_image(const Frame& frame) const {
  if (!available() || frame.dmabuf_fd < 0) return EGL_NO_IMAGE_KHR;
  std::vector<EGLint> attribs = {
      EGL_WIDTH, EGLint(frame.width), EGL_HEIGHT, EGLint(frame.height),
      EGL_LINUX_DRM_FOURCC_EXT, EGLint(frame.fourcc),
      EGL_DMA_BUF_PLANE0_FD_EXT, frame.dmabuf_fd,
      EGL_DMA_BUF_PLANE0_OFFSET_EXT, EGLint(frame.dmabuf_offset),
      EGL_DMA_BUF_PLANE0_PITCH_EXT, EGLint(frame.stride)};
  if (modifiers_ && frame.modifier != DRM_FORMAT_MOD_INVALID) {
    attribs.insert(attribs.end(), {EGL_DMA_BUF_PLANE0_MODIFIER_LO_EXT, EGLint(frame.modifier & 0xffffffffu),
                                   EGL_DMA_BUF_PLANE0_MODIFIER_HI_EXT, EGLint(frame.modifier >> 32)});
  } else if (frame.modifier != DRM_FORMAT_MOD_LINEAR && frame.modifier != DRM_FORMAT_MOD_INVALID) {
    return EGL_NO_IMAGE_KHR;  // a tiled buffer that cannot be described to this driver
  }
  attribs.push_back(EGL_NONE);
  return create_image_(display_, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, nullptr, attribs.data());
}

void DmabufImport::destroy_image(EGLImageKHR image) const {
  if (image != EGL_NO_IMAGE_KHR && destroy_image_) destroy_image_(display_, image);
}

}  // namespace vugpu::egl
