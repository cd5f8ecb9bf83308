#include "egl_setup.hpp"

#include <GLES3/gl3.h>
#include <fmt/format.h>
#include <string_view>

namespace vugpu::egl_headless {

namespace {

bool gl_has_extension(std::string_view name) {
  GLint count = 0;
  glGetIntegerv(GL_NUM_EXTENSIONS, &count);
  for (GLint i = 0; i < count; ++i)
    if (const auto* e = reinterpret_cast<const char*>(glGetStringi(GL_EXTENSIONS, GLuint(i))); e && name == e)
      return true;
  return false;
}

using egl::egl_error_name;

constexpr const char* kHint = "hint: install Mesa's EGL and GLES drivers (libegl-mesa0, libgles2, libgl1-mesa-dri)";

}  // namespace

EglSetup::EglSetup(const std::string& render_node)
    : display_(render_node, kHint, "compose", {"EGL_KHR_fence_sync"}) {
  try {
    create_context();
    find_entry_points();
  } catch (...) {
    release();  // the destructor does not run for a throwing constructor
    throw;
  }
}

EglSetup::~EglSetup() { release(); }

void EglSetup::create_context() {
  if (!eglBindAPI(EGL_OPENGL_ES_API))
    throw EglError(fmt::format("EGL on the {} platform offers no OpenGL ES ({})", platform_name(), kHint));
  const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 0, EGL_NONE};
  context_ = eglCreateContext(display(), EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
  if (context_ == EGL_NO_CONTEXT)
    throw EglError(fmt::format("no OpenGL ES 3.0 context on the {} EGL display: {} ({})", platform_name(),
                               egl_error_name(eglGetError()), kHint));
  if (!eglMakeCurrent(display(), EGL_NO_SURFACE, EGL_NO_SURFACE, context_))
    throw EglError(fmt::format("cannot make the OpenGL ES 3.0 context current without a surface: {} ({})",
                               egl_error_name(eglGetError()), kHint));
  if (const auto* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER))) renderer_ = r;
}

void EglSetup::find_entry_points() {
  entry_.create_sync = reinterpret_cast<PFNEGLCREATESYNCKHRPROC>(eglGetProcAddress("eglCreateSyncKHR"));
  entry_.destroy_sync = reinterpret_cast<PFNEGLDESTROYSYNCKHRPROC>(eglGetProcAddress("eglDestroySyncKHR"));
  entry_.client_wait_sync = reinterpret_cast<PFNEGLCLIENTWAITSYNCKHRPROC>(eglGetProcAddress("eglClientWaitSyncKHR"));
  if (!entry_.create_sync || !entry_.destroy_sync || !entry_.client_wait_sync)
    throw EglError(fmt::format("EGL_KHR_fence_sync is advertised but its functions are missing ({})", kHint));

  // dma-buf import is optional: CPU frames work without it.
  if (!display_.has_extension("EGL_EXT_image_dma_buf_import")) {
    import_problem_ = "EGL_EXT_image_dma_buf_import missing";
    return;
  }
  if (!gl_has_extension("GL_OES_EGL_image")) {
    import_problem_ = "GL_OES_EGL_image missing";
    return;
  }
  entry_.create_image = reinterpret_cast<PFNEGLCREATEIMAGEKHRPROC>(eglGetProcAddress("eglCreateImageKHR"));
  entry_.destroy_image = reinterpret_cast<PFNEGLDESTROYIMAGEKHRPROC>(eglGetProcAddress("eglDestroyImageKHR"));
  entry_.image_target_texture =
      reinterpret_cast<void (*)(unsigned, void*)>(eglGetProcAddress("glEGLImageTargetTexture2DOES"));
  if (!entry_.create_image || !entry_.destroy_image || !entry_.image_target_texture) {
    entry_.create_image = nullptr;
    import_problem_ = "EGL image functions missing";
    return;
  }
  import_modifiers_ = display_.has_extension("EGL_EXT_image_dma_buf_import_modifiers");
}

void EglSetup::release() {
  if (display() == EGL_NO_DISPLAY) return;
  eglMakeCurrent(display(), EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  if (context_ != EGL_NO_CONTEXT) eglDestroyContext(display(), context_);
  context_ = EGL_NO_CONTEXT;
  display_.terminate();  // a GBM display only: the surfaceless one is shared with renderer.virgl
  eglReleaseThread();
}

}  // namespace vugpu::egl_headless
