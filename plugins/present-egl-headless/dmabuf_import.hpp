// A frame's dmabuf as a GL texture, without a copy (the import itself is plugins/egl-common's
// DmabufImport, shared with the windowed presenters). The texture samples real R, G, B, A
// whatever the fourcc. RAII: the EGLImage and texture go with the object. GL thread only.
#pragma once
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <optional>
#include "egl_setup.hpp"
#include "quad_program.hpp"
#include "vugpu/frame.hpp"

namespace vugpu::egl_headless {

class DmabufImage {
 public:
  // nullopt when the driver refuses the buffer (the caller falls back to a CPU mapping).
  static std::optional<DmabufImage> import(const EglSetup& egl, const Frame& frame);
  ~DmabufImage();
  DmabufImage(DmabufImage&& o) noexcept;
  DmabufImage& operator=(DmabufImage&&) = delete;
  DmabufImage(const DmabufImage&) = delete;
  DmabufImage& operator=(const DmabufImage&) = delete;

  GLuint texture() const { return texture_.get(); }

 private:
  DmabufImage(const EglSetup& egl, EGLImageKHR image, GlTexture texture)
      : egl_(&egl), image_(image), texture_(std::move(texture)) {}
  const EglSetup* egl_;
  EGLImageKHR image_ = EGL_NO_IMAGE_KHR;
  GlTexture texture_;
};

}  // namespace vugpu::egl_headless
