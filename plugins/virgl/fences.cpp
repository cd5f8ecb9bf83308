// Fences. virglrenderer's ctx-0 fences retire in order; its fence thread makes the poll fd
// readable when one may have, and the device loop then calls virgl_renderer_poll(), inside
// which write_fence names the newest retired fence. Only after poll() returns do we tell the
// core (HostServices::fence_signalled may complete commands that call back into us, and
// virglrenderer is not re-entrant in the middle of its fence walk). Device loop thread.
#include <sched.h>
#include <chrono>
#include "virgl_library.hpp"
#include "virgl_renderer.hpp"

namespace vugpu::virgl {

bool VirglRenderer::create_fence(uint32_t ctx_id, bool /*on_ring*/, uint32_t /*ring_idx*/, uint64_t fence_id) {
  // features() offers no CONTEXT_INIT, so every fence is on the device-wide timeline: it is
  // signalled as (ctx 0, ring 0), "every fence up to fence_id".
  if (!on_device_thread("create_fence")) return false;
  const uint32_t virgl_fence = fences_.add(fence_id);
  if (const int ret = virgl_renderer_create_fence(int(virgl_fence), ctx_id); ret != 0) {
    fences_.drop_newest();
    host_.log().error("virglrenderer refused fence {} (error {}); completing it now", fence_id, ret);
    return false;
  }
  if (poll_watch_) return true;
  wait_for_fence(virgl_fence);
  return false;
}

void VirglRenderer::reset() {
  fences_.forget_pending();
  fence_written_.reset();
}

void VirglRenderer::on_fence_written(uint32_t virgl_fence) { fence_written_ = virgl_fence; }

void VirglRenderer::retire_fences() {
  library_->poll();  // drains the poll fd; calls on_fence_written()
  if (!fence_written_) return;
  const auto guest_fence = fences_.retire_up_to(*fence_written_);
  fence_written_.reset();
  if (guest_fence) host_.fence_signalled(0, 0, *guest_fence);
}

// Only without virglrenderer's fence thread (VIRGL_DISABLE_MT, no eventfd): nothing would
// ever wake the loop for this fence, so finish it here. That blocks the device loop for as
// long as the GPU work before the fence takes, which the guest is waiting for anyway; a
// generous deadline keeps a hung GL driver from hanging the device.
void VirglRenderer::wait_for_fence(uint32_t virgl_fence) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fences_.is_pending(virgl_fence)) {
    library_->poll();
    if (fence_written_) {
      fences_.retire_up_to(*fence_written_);  // all complete synchronously: nothing to signal
      fence_written_.reset();
    }
    if (!fences_.is_pending(virgl_fence)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      host_.log().error("fence did not retire within 10 s; completing it anyway");
      fences_.retire_up_to(virgl_fence);
      break;
    }
    sched_yield();
  }
}

}  // namespace vugpu::virgl
