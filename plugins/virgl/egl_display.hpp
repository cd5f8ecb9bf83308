// The EGL display virglrenderer renders with, and the GL contexts it asks for.
//
// Default: the surfaceless platform (EGL_MESA_platform_surfaceless: no window system, no render
// node; llvmpipe where there is no GPU). With a render node path: that DRM node through GBM.
// virglrenderer 0.10.4's own EGL set-up (VIRGL_RENDERER_USE_EGL) goes through GBM first, which
// is why QEMU's vhost-user-gpu fails without a render node; giving it our display and context
// callbacks (callbacks version 4) works on both.
//
// Threading: construct and destroy on the device loop thread. create_context() and
// make_current() are called by virglrenderer on the device loop thread and, for its fence
// thread (VIRGL_RENDERER_THREAD_SYNC), make_current() also on that thread: they touch nothing
// but EGL, which is thread-safe.
#pragma once
#include <EGL/egl.h>
#include <string>
#include "egl_platform_display.hpp"

namespace vugpu::virgl {

// Thrown when no usable display can be made; what() is one line with a hint.
using EglError = egl::EglError;
// "EGL_BAD_ALLOC" etc. for messages.
using egl::egl_error_name;

// The display is plugins/egl-common's (shared with present.egl-headless); the contexts are
// virglrenderer's (desktop GL).
class EglDisplay {
 public:
  // render_node empty: surfaceless. Throws EglError.
  explicit EglDisplay(const std::string& render_node);
  EglDisplay(const EglDisplay&) = delete;
  EglDisplay& operator=(const EglDisplay&) = delete;

  EGLDisplay handle() const { return display_.handle(); }
  const char* platform_name() const { return display_.platform_name(); }
  bool has_extension(const char* name) const { return display_.has_extension(name); }

  // Desktop GL core profile context of the given version, sharing objects with the context
  // current on the calling thread when `shared`. EGL_NO_CONTEXT when the version is not
  // available (virglrenderer then tries a lower one).
  EGLContext create_context(int major, int minor, bool shared) const;
  void destroy_context(EGLContext ctx) const;
  bool make_current(EGLContext ctx) const;  // EGL_NO_CONTEXT releases

 private:
  egl::EglPlatformDisplay display_;
};

}  // namespace vugpu::virgl
