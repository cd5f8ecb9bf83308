#include "egl_setup.hpp"

#include <GLES3/gl3.h>
#include <fmt/format.h>

namespace vugpu::egl_headless {

namespace {

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

  import_.emplace(display_);  // dma-buf import is optional: CPU frames work without it
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
