// The unit of work of B1 and B2, as Linux's virtio-gpu driver presents a damaged rectangle:
// TRANSFER_TO_HOST_2D and a fenced RESOURCE_FLUSH queued together behind one kick. It returns
// only when the fence is back AND the display peer holds the whole UPDATE: a backend that
// signals the fence before the pixels left would otherwise look faster than it is.
#pragma once
#include <linux/virtio_gpu.h>
#include <cstdint>
#include <memory>
#include "contender.hpp"
#include "framebuffer.hpp"

namespace vugpu::bench {

// Header options of a fenced command (VIRTIO_GPU_FLAG_FENCE, fence_id).
inline frontend::CmdOptions fenced(uint64_t fence_id) {
  frontend::CmdOptions o;
  o.fence = fence_id;
  return o;
}

// A framebuffer drawn by the guest (draw_pattern(seed)) and shown whole on scanout 0: every
// workload's starting point. Throws std::runtime_error on an error response.
std::unique_ptr<frontend::Framebuffer> shown_framebuffer(Contender& c, uint32_t width, uint32_t height, uint32_t seed,
                                                         uint32_t format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM,
                                                         frontend::Placement placement = frontend::Placement::Contiguous);

// Throws std::runtime_error on an error response, a missing fence or a timeout.
void present_fenced(Contender& c, frontend::Framebuffer& fb, frontend::GpuRect r, uint64_t fence_id);

}  // namespace vugpu::bench
