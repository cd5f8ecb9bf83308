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
#include <EGL/eglext.h>
#include <memory>
#include <stdexcept>
#include <string>
#include "vugpu/unique_fd.hpp"

struct gbm_device;

namespace vugpu::virgl {

// Thrown when no usable display can be made; what() is one line with a hint.
struct EglError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class EglDisplay {
 public:
  // render_node empty: surfaceless. Throws EglError.
  explicit EglDisplay(const std::string& render_node);
  ~EglDisplay();
  EglDisplay(const EglDisplay&) = delete;
  EglDisplay& operator=(const EglDisplay&) = delete;

  EGLDisplay handle() const { return display_; }
  const char* platform_name() const { return render_node_.empty() ? "surfaceless" : "gbm"; }
  bool has_extension(const char* name) const;

  // Desktop GL core profile context of the given version, sharing objects with the context
  // current on the calling thread when `shared`. EGL_NO_CONTEXT when the version is not
  // available (virglrenderer then tries a lower one).
  EGLContext create_context(int major, int minor, bool shared) const;
  void destroy_context(EGLContext ctx) const;
  bool make_current(EGLContext ctx) const;  // EGL_NO_CONTEXT releases

 private:
  void release();

  struct GbmDeleter {
    void operator()(gbm_device* d) const;
  };

  std::string render_node_;
  UniqueFd node_fd_;
  std::unique_ptr<gbm_device, GbmDeleter> gbm_;  // destroyed after the display is terminated
  EGLDisplay display_ = EGL_NO_DISPLAY;
  std::string extensions_;
};

// "EGL_BAD_ALLOC" etc. for messages.
const char* egl_error_name(EGLint error);

}  // namespace vugpu::virgl
