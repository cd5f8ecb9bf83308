#include "virgl_library.hpp"

#include <atomic>
#include <stdexcept>
#include <fmt/format.h>

namespace vugpu::virgl {

namespace {
std::atomic<bool> g_claimed{false};
}  // namespace

VirglLibrary::ProcessClaim::ProcessClaim() {
  if (g_claimed.exchange(true))
    throw std::runtime_error(
        "virglrenderer is already in use in this process (hint: configure renderer.virgl once; "
        "virglrenderer is a process-wide singleton)");
}

VirglLibrary::ProcessClaim::~ProcessClaim() { g_claimed.store(false); }

VirglLibrary::VirglLibrary(const std::string& render_node, Log& log, FenceWritten on_fence)
    : log_route_(log), on_fence_(std::move(on_fence)) {
  egl_ = std::make_unique<EglDisplay>(render_node);  // throws EglError, a runtime_error

  callbacks_.version = 4;  // 4: get_egl_display, so virglrenderer uses our display and contexts
  callbacks_.write_fence = on_write_fence;
  callbacks_.create_gl_context = on_create_context;
  callbacks_.destroy_gl_context = on_destroy_context;
  callbacks_.make_current = on_make_current;
  callbacks_.get_egl_display = on_get_egl_display;

  // No VIRGL_RENDERER_USE_EGL: that makes virglrenderer open its own GBM/render-node display.
  const int ret = virgl_renderer_init(this, VIRGL_RENDERER_THREAD_SYNC, &callbacks_);
  if (ret != 0)  // virglrenderer cleaned up after itself on this path
    throw std::runtime_error(fmt::format(
        "virgl_renderer_init failed (error {}) on the {} EGL display (hint: the GL driver must offer "
        "desktop OpenGL 3.1 or newer; virglrenderer's own messages are in the log above)",
        ret, egl_->platform_name()));
  initialised_ = true;
  log.info("virglrenderer ready on the {} EGL display; fences {}", egl_->platform_name(),
           poll_fd() >= 0 ? "through virglrenderer's fence fd" : "retired synchronously (no fence thread)");
}

VirglLibrary::~VirglLibrary() {
  // Destroys every virgl context and resource, stops the fence thread, and destroys the GL
  // contexts through our callbacks: the EGL display must still be there.
  if (initialised_) virgl_renderer_cleanup(this);
}

void VirglLibrary::on_write_fence(void* cookie, uint32_t fence) {
  auto* self = static_cast<VirglLibrary*>(cookie);
  if (self->on_fence_) self->on_fence_(fence);
}

virgl_renderer_gl_context VirglLibrary::on_create_context(void* cookie, int /*scanout*/,
                                                          virgl_renderer_gl_ctx_param* param) {
  auto* self = static_cast<VirglLibrary*>(cookie);
  if (!param) return nullptr;
  const EGLContext ctx = self->egl_->create_context(param->major_ver, param->minor_ver, param->shared);
  return ctx == EGL_NO_CONTEXT ? nullptr : ctx;
}

void VirglLibrary::on_destroy_context(void* cookie, virgl_renderer_gl_context ctx) {
  static_cast<VirglLibrary*>(cookie)->egl_->destroy_context(ctx);
}

int VirglLibrary::on_make_current(void* cookie, int /*scanout*/, virgl_renderer_gl_context ctx) {
  return static_cast<VirglLibrary*>(cookie)->egl_->make_current(ctx) ? 0 : -1;
}

void* VirglLibrary::on_get_egl_display(void* cookie) { return static_cast<VirglLibrary*>(cookie)->egl_->handle(); }

}  // namespace vugpu::virgl
