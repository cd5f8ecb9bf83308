#include "blob_dumb_buffer.hpp"

namespace vugpu::frontend {

BlobDumbBuffer::BlobDumbBuffer(GuestDriver& gpu, uint32_t resource_id, uint32_t width, uint32_t height,
                               Placement placement)
    : gpu_(gpu), pixels_(gpu, resource_id, width, height, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, placement) {
  for (const Extent& e : entries()) size_ += e.len;  // whole pages: the driver's PAGE_ALIGN(pitch * height)
}

std::vector<Extent> BlobDumbBuffer::entries() {
  std::vector<Extent> out;
  for (const Extent& e : pixels_.backing().extents()) {
    if (!out.empty() && out.back().gpa + out.back().len == e.gpa) out.back().len += e.len;  // one run of pages
    else out.push_back(e);
  }
  return out;
}

uint32_t BlobDumbBuffer::create() {
  const auto list = entries();
  return gpu_.resource_create_blob(id(), VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, size_, list);
}

BlobDumbBuffer::Commit BlobDumbBuffer::commit(uint32_t scanout_id, GpuRect d, bool framebuffer_changed, uint64_t fence_id) {
  const auto hdr = uint32_t(sizeof(virtio_gpu_ctrl_hdr));
  const uint32_t stride = pixels_.stride();
  Commit c;
  c.transfer = gpu_.submit(Queue::Control, cmd::transfer_to_host_2d(id(), d, uint64_t(d.y) * stride + uint64_t(d.x) * 4),
                           hdr, {}, false);
  if (framebuffer_changed)
    c.scanout = gpu_.submit(Queue::Control,
                            cmd::set_scanout_blob(scanout_id, id(), whole(), pixels_.width(), pixels_.height(),
                                                  VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, stride, 0),
                            hdr, {}, false);
  c.flush = gpu_.submit(Queue::Control, cmd::resource_flush(id(), d, with_fence(fence_id)), hdr, {}, false);
  gpu_.kick(Queue::Control);
  return c;
}

uint32_t BlobDumbBuffer::present(uint32_t scanout_id, GpuRect damage, bool framebuffer_changed, uint64_t fence_id) {
  const Commit c = commit(scanout_id, damage, framebuffer_changed, fence_id);
  uint32_t result = VIRTIO_GPU_RESP_OK_NODATA;
  std::vector<Ticket> tickets{c.transfer};
  if (c.scanout) tickets.push_back(*c.scanout);
  tickets.push_back(c.flush);
  for (Ticket t : tickets) {
    auto done = gpu_.wait(t);
    if (!done) throw FrontendError("blob plane update: no used entry within 5 s");
    if (result == VIRTIO_GPU_RESP_OK_NODATA) result = done->type();
  }
  return result;
}

}  // namespace vugpu::frontend
