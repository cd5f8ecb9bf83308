#include "present.hpp"
#include <stdexcept>
#include <string>

namespace vugpu::bench {

using namespace vugpu::frontend;

namespace {

void expect_ok(const Completion& c, const char* what) {
  if (c.type() != VIRTIO_GPU_RESP_OK_NODATA)
    throw std::runtime_error(std::string(what) + " answered " + response_name(c.type()));
}

}  // namespace

std::unique_ptr<Framebuffer> shown_framebuffer(Contender& c, uint32_t width, uint32_t height, uint32_t seed,
                                               uint32_t format, Placement placement) {
  auto fb = std::make_unique<Framebuffer>(c.gpu(), 1, width, height, format, placement);
  fb->draw_pattern(seed);
  if (const uint32_t r = fb->show_on(0); r != VIRTIO_GPU_RESP_OK_NODATA)
    throw std::runtime_error("showing the framebuffer: " + response_name(r));
  return fb;
}

void present_fenced(Contender& c, Framebuffer& fb, GpuRect r, uint64_t fence_id) {
  GuestDriver& gpu = c.gpu();
  TestVmm& vmm = c.vmm();
  const auto hdr = uint32_t(sizeof(virtio_gpu_ctrl_hdr));
  const uint64_t offset = uint64_t(r.y) * fb.stride() + uint64_t(r.x) * 4;
  // Pixels, not messages: a backend may send one flush as several UPDATEs.
  const uint64_t pixels_before = vmm.display().stats().update_pixels;
  const uint64_t pixels_wanted = pixels_before + uint64_t(r.width) * r.height;

  const Ticket transfer = gpu.submit(Queue::Control, cmd::transfer_to_host_2d(fb.id(), r, offset), hdr, {}, false);
  const Ticket flush = gpu.submit(Queue::Control, cmd::resource_flush(fb.id(), r, fenced(fence_id)), hdr, {}, false);
  gpu.kick(Queue::Control);

  const auto done = [&] {
    gpu.reap();
    return gpu.finished().count(transfer) && gpu.finished().count(flush) &&
           vmm.display().stats().update_pixels >= pixels_wanted && !vmm.display().mid_message();
  };
  const WaitResult w = vmm.run_until(done, Deadline(Millis(10000)));
  if (w != WaitResult::Done)
    throw std::runtime_error(std::string("present: ") + to_string(w) + " (fence " +
                             (gpu.finished().count(flush) ? "back" : "not back") + ", UPDATE " +
                             (vmm.display().stats().update_pixels >= pixels_wanted ? "received" : "not (all) received") + ")");
  const Completion t = *gpu.take(transfer);
  const Completion f = *gpu.take(flush);
  expect_ok(t, "TRANSFER_TO_HOST_2D");
  expect_ok(f, "RESOURCE_FLUSH");
  if (!(f.flags() & VIRTIO_GPU_FLAG_FENCE) || f.fence_id() != fence_id)
    throw std::runtime_error("RESOURCE_FLUSH came back without its fence " + std::to_string(fence_id));
}

}  // namespace vugpu::bench
