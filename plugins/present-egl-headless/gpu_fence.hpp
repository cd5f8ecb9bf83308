// An EGL_KHR_fence_sync fence: signalled when the GPU has executed every GL command issued
// before it (here: finished reading a frame's pixels). RAII. GL thread only.
#pragma once
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <cstdint>
#include "egl_setup.hpp"

namespace vugpu::egl_headless {

class GpuFence {
 public:
  // Inserts the fence after the commands issued so far and flushes them to the GPU.
  explicit GpuFence(const EglSetup& egl);
  ~GpuFence();
  GpuFence(GpuFence&& o) noexcept;
  GpuFence& operator=(GpuFence&&) = delete;
  GpuFence(const GpuFence&) = delete;
  GpuFence& operator=(const GpuFence&) = delete;

  // Waits up to timeout_ns; true when signalled (also when no fence could be made: the
  // commands were then finished with glFinish, so nothing is pending).
  bool wait(uint64_t timeout_ns);

  // Fences made and destroyed in this process (for the statistics: they must match at exit).
  static uint64_t created();
  static uint64_t destroyed();

 private:
  const EglSetup* egl_;
  EGLSyncKHR sync_ = EGL_NO_SYNC_KHR;
};

}  // namespace vugpu::egl_headless
