#include "dmabuf_export.hpp"

#include "egl_display.hpp"

namespace vugpu::virgl {

namespace {

struct ExportProcs {
  PFNEGLCREATEIMAGEKHRPROC create_image = nullptr;
  PFNEGLDESTROYIMAGEKHRPROC destroy_image = nullptr;
  PFNEGLEXPORTDMABUFIMAGEQUERYMESAPROC query = nullptr;
  PFNEGLEXPORTDMABUFIMAGEMESAPROC export_image = nullptr;

  ExportProcs() {
    create_image = reinterpret_cast<PFNEGLCREATEIMAGEKHRPROC>(eglGetProcAddress("eglCreateImageKHR"));
    destroy_image = reinterpret_cast<PFNEGLDESTROYIMAGEKHRPROC>(eglGetProcAddress("eglDestroyImageKHR"));
    query = reinterpret_cast<PFNEGLEXPORTDMABUFIMAGEQUERYMESAPROC>(eglGetProcAddress("eglExportDMABUFImageQueryMESA"));
    export_image = reinterpret_cast<PFNEGLEXPORTDMABUFIMAGEMESAPROC>(eglGetProcAddress("eglExportDMABUFImageMESA"));
  }
  bool complete() const { return create_image && destroy_image && query && export_image; }
};

const ExportProcs& procs() {
  static const ExportProcs p;
  return p;
}

// The EGLImage only lives while we export it: the dmabuf keeps the memory.
class ImageGuard {
 public:
  ImageGuard(EGLDisplay d, EGLImageKHR i) : display_(d), image_(i) {}
  ~ImageGuard() {
    if (image_ != EGL_NO_IMAGE_KHR) procs().destroy_image(display_, image_);
  }
  ImageGuard(const ImageGuard&) = delete;
  ImageGuard& operator=(const ImageGuard&) = delete;
  EGLImageKHR get() const { return image_; }

 private:
  EGLDisplay display_;
  EGLImageKHR image_;
};

}  // namespace

bool can_export_dmabuf(const EglDisplay& egl) {
  return egl.has_extension("EGL_MESA_image_dma_buf_export") && egl.has_extension("EGL_KHR_gl_texture_2D_image") &&
         procs().complete();
}

std::optional<DmabufExport> export_texture(const EglDisplay& egl, uint32_t tex_id) {
  if (!can_export_dmabuf(egl) || tex_id == 0) return std::nullopt;
  const EGLContext ctx = eglGetCurrentContext();
  if (ctx == EGL_NO_CONTEXT) return std::nullopt;

  const ImageGuard image(egl.handle(), procs().create_image(egl.handle(), ctx, EGL_GL_TEXTURE_2D_KHR,
                                                            reinterpret_cast<EGLClientBuffer>(uintptr_t{tex_id}),
                                                            nullptr));
  if (image.get() == EGL_NO_IMAGE_KHR) return std::nullopt;

  int fourcc = 0, planes = 0;
  EGLuint64KHR modifier = 0;
  if (!procs().query(egl.handle(), image.get(), &fourcc, &planes, &modifier) || planes != 1) return std::nullopt;

  int fd = -1;
  EGLint stride = 0, offset = 0;
  if (!procs().export_image(egl.handle(), image.get(), &fd, &stride, &offset)) return std::nullopt;
  DmabufExport out;
  out.fd.reset(fd);
  if (fd < 0 || stride <= 0 || offset < 0) return std::nullopt;
  out.fourcc = uint32_t(fourcc);
  out.stride = uint32_t(stride);
  out.offset = uint32_t(offset);
  out.modifier = modifier;
  return out;
}

}  // namespace vugpu::virgl
