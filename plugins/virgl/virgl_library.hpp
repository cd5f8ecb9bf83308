// virglrenderer itself: initialised on our EGL display with our GL context callbacks, cleaned
// up on destruction. virglrenderer is a process-wide singleton, so is this: a second instance
// while one lives throws.
//
// Fences: virglrenderer retires ctx-0 fences inside virgl_renderer_poll() and reports the
// newest one through write_fence; with VIRGL_RENDERER_THREAD_SYNC (0.10.4 honours it on our
// EGL display) a thread of its own waits on the GL fences and makes poll_fd() readable, so the
// device loop calls poll() only when there is something to retire. No timer.
//
// Threading: device loop thread for everything here; virglrenderer's fence thread only calls
// the EGL context callbacks (see egl_display.hpp).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include "egl_display.hpp"
#include "log_route.hpp"
#include "virgl_api.hpp"

namespace vugpu::virgl {

class VirglLibrary {
 public:
  // Called from inside poll() with the newest retired fence (virglrenderer's 32-bit id).
  using FenceWritten = std::function<void(uint32_t)>;

  // Throws std::runtime_error (one line, with a hint) when EGL or virglrenderer cannot start.
  VirglLibrary(const std::string& render_node, Log& log, FenceWritten on_fence);
  ~VirglLibrary();
  VirglLibrary(const VirglLibrary&) = delete;
  VirglLibrary& operator=(const VirglLibrary&) = delete;

  const EglDisplay& egl() const { return *egl_; }
  // Readable when fences may have retired; -1 when virglrenderer has no fence thread
  // (VIRGL_DISABLE_MT in the environment, or no eventfd).
  int poll_fd() const { return virgl_renderer_get_poll_fd(); }
  void poll() { virgl_renderer_poll(); }

 private:
  // Holds the process-wide claim; released last, also when the constructor throws.
  struct ProcessClaim {
    ProcessClaim();
    ~ProcessClaim();
    ProcessClaim(const ProcessClaim&) = delete;
    ProcessClaim& operator=(const ProcessClaim&) = delete;
  };

  static void on_write_fence(void* cookie, uint32_t fence);
  static virgl_renderer_gl_context on_create_context(void* cookie, int scanout, virgl_renderer_gl_ctx_param* param);
  static void on_destroy_context(void* cookie, virgl_renderer_gl_context ctx);
  static int on_make_current(void* cookie, int scanout, virgl_renderer_gl_context ctx);
  static void* on_get_egl_display(void* cookie);

  ProcessClaim claim_;
  LogRoute log_route_;
  std::unique_ptr<EglDisplay> egl_;
  FenceWritten on_fence_;
  virgl_renderer_callbacks callbacks_{};  // virglrenderer keeps a pointer to it
  bool initialised_ = false;
};

}  // namespace vugpu::virgl
