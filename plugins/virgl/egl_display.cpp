#include "egl_display.hpp"

namespace vugpu::virgl {

EglDisplay::EglDisplay(const std::string& render_node)
    : display_(render_node, "hint: vugpu needs Mesa's EGL (libegl-mesa0, libgl1-mesa-dri)", "render") {}

EGLContext EglDisplay::create_context(int major, int minor, bool shared) const {
  if (!eglBindAPI(EGL_OPENGL_API)) return EGL_NO_CONTEXT;  // per thread, so every time
  const bool core = major > 3 || (major == 3 && minor >= 2);
  const EGLint attribs[] = {
      EGL_CONTEXT_MAJOR_VERSION, major,
      EGL_CONTEXT_MINOR_VERSION, minor,
      EGL_CONTEXT_OPENGL_PROFILE_MASK,
      core ? EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT : EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT,
      EGL_NONE};
  const EGLContext share = shared ? eglGetCurrentContext() : EGL_NO_CONTEXT;
  return eglCreateContext(handle(), EGL_NO_CONFIG_KHR, share, attribs);
}

void EglDisplay::destroy_context(EGLContext ctx) const {
  if (ctx == EGL_NO_CONTEXT) return;
  if (eglGetCurrentContext() == ctx) eglMakeCurrent(handle(), EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(handle(), ctx);
}

bool EglDisplay::make_current(EGLContext ctx) const {
  return eglMakeCurrent(handle(), EGL_NO_SURFACE, EGL_NO_SURFACE, ctx) == EGL_TRUE;
}

}  // namespace vugpu::virgl
