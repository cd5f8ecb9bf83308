// A frame's dma-buf imported into GL without a copy: EGL_EXT_image_dma_buf_import (with the
// frame's modifier where EGL_EXT_image_dma_buf_import_modifiers is offered) makes an EGLImage,
// GL_OES_EGL_image makes it a texture's storage, which samples real R, G, B, A whatever the
// fourcc. Shared by present.egl-headless (composes with it) and DmabufReader (present.sdl,
// present.gtk).
//
// Threading: construct on a thread where a GLES context of `display` is current (the GL
// extension check needs it); create_image/destroy_image on any thread; bind_texture on a thread
// with a context of the display current.
#pragma once
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>
#include <string>
#include <string_view>
#include "egl_platform_display.hpp"
#include "vugpu/frame.hpp"

namespace vugpu::egl {

// `name` is one of the current GLES context's extensions (GLES 3: glGetStringi).
bool gl_has_extension(std::string_view name);

class DmabufImport {
 public:
  explicit DmabufImport(const EglPlatformDisplay& display);

  // Both extensions and their functions are there. Otherwise problem() says what is missing.
  bool available() const { return create_image_ != nullptr; }
  const std::string& problem() const { return problem_; }
  bool has_modifiers() const { return modifiers_; }

  // The frame's dma-buf (plane 0 at dmabuf_offset, stride, fourcc, modifier) as an EGLImage;
  // EGL_NO_IMAGE_KHR when import is unavailable, the frame has no dma-buf, its modifier cannot
  // be described to this driver, or the driver refuses the buffer.
  EGLImageKHR create_image(const Frame& frame) const;
  void destroy_image(EGLImageKHR image) const;
  // `image` becomes the storage of the texture bound to GL_TEXTURE_2D.
  void bind_texture(EGLImageKHR image) const { image_target_texture_(GL_TEXTURE_2D, image); }

 private:
  EGLDisplay display_;
  PFNEGLCREATEIMAGEKHRPROC create_image_ = nullptr;
  PFNEGLDESTROYIMAGEKHRPROC destroy_image_ = nullptr;
  PFNGLEGLIMAGETARGETTEXTURE2DOESPROC image_target_texture_ = nullptr;
  bool modifiers_ = false;
  std::string problem_;
};

}  // namespace vugpu::egl
