#include "dmabuf_import.hpp"

namespace vugpu::egl_headless {

std::optional<DmabufImage> DmabufImage::import(const EglSetup& egl, const Frame& frame) {
  if (!egl.can_import_dmabuf()) return std::nullopt;
  const egl::DmabufImport& import = egl.dmabuf_import();
  EGLImageKHR image = import.create_image(frame);  // plugins/egl-common
  if (image == EGL_NO_IMAGE_KHR) return std::nullopt;
  GLuint name = 0;
  glGenTextures(1, &name);
  GlTexture texture(name);
  glBindTexture(GL_TEXTURE_2D, name);
  import.bind_texture(image);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  if (glGetError() != GL_NO_ERROR) {
    import.destroy_image(image);
    return std::nullopt;
  }
  return DmabufImage(egl, image, std::move(texture));
}

DmabufImage::DmabufImage(DmabufImage&& o) noexcept
    : egl_(o.egl_), image_(std::exchange(o.image_, EGL_NO_IMAGE_KHR)), texture_(std::move(o.texture_)) {}

DmabufImage::~DmabufImage() {
  texture_.reset();
  egl_->dmabuf_import().destroy_image(image_);
}

}  // namespace vugpu::egl_headless
