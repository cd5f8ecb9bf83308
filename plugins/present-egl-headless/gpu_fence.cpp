#include "gpu_fence.hpp"

#include <GLES3/gl3.h>
#include <atomic>

namespace vugpu::egl_headless {

namespace {
std::atomic<uint64_t> g_created{0}, g_destroyed{0};
}  // namespace

GpuFence::GpuFence(const EglSetup& egl) : egl_(&egl) {
  sync_ = egl.egl().create_sync(egl.display(), EGL_SYNC_FENCE_KHR, nullptr);
  if (sync_ == EGL_NO_SYNC_KHR) {
    glFinish();  // GL thread: no fence to wait on, so make the work complete now
    return;
  }
  ++g_created;
  glFlush();  // a fence that never reaches the GPU never signals
}

GpuFence::GpuFence(GpuFence&& o) noexcept : egl_(o.egl_), sync_(o.sync_) { o.sync_ = EGL_NO_SYNC_KHR; }

GpuFence::~GpuFence() {
  if (sync_ == EGL_NO_SYNC_KHR) return;
  egl_->egl().destroy_sync(egl_->display(), sync_);
  ++g_destroyed;
}

bool GpuFence::wait(uint64_t timeout_ns) {
  if (sync_ == EGL_NO_SYNC_KHR) return true;
  const EGLint r = egl_->egl().client_wait_sync(egl_->display(), sync_, EGL_SYNC_FLUSH_COMMANDS_BIT_KHR, timeout_ns);
  return r == EGL_CONDITION_SATISFIED_KHR;
}

uint64_t GpuFence::created() { return g_created.load(); }
uint64_t GpuFence::destroyed() { return g_destroyed.load(); }

}  // namespace vugpu::egl_headless
