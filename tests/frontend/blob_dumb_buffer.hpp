// A dumb buffer as Linux (5.14+) makes it when the device offers RESOURCE_BLOB without VIRGL:
// a GUEST blob (flags USE_SHAREABLE only, 32 bpp, pitch = width * 4, size page-aligned) whose
// entries are the page-aligned runs of its guest pages, all sent in one RESOURCE_CREATE_BLOB.
// Its plane update is Linux's exact sequence (drivers/gpu/drm/virtio/virtgpu_plane.c): an
// UNFENCED TRANSFER_TO_HOST_2D of the damage, SET_SCANOUT_BLOB when the framebuffer changed
// (B8G8R8X8, strides/offsets of the fb), then a FENCED RESOURCE_FLUSH (5.15+) that the guest
// waits for before it draws into the buffer again.
//
// The pixels live in a Framebuffer (its backing, drawing and comparing); only the commands
// differ. Used by tests/integration/vugpu_blob_test.cpp and benchmark B6.
#pragma once
#include <linux/virtio_gpu.h>
#include <cstdint>
#include <optional>
#include <vector>
#include "framebuffer.hpp"

namespace vugpu::frontend {

class BlobDumbBuffer {
 public:
  BlobDumbBuffer(GuestDriver& gpu, uint32_t resource_id, uint32_t width, uint32_t height,
                 Placement placement = Placement::Scattered);

  uint32_t id() const { return pixels_.id(); }
  uint64_t size() const { return size_; }
  GpuRect whole() const { return pixels_.whole(); }
  Framebuffer& pixels() { return pixels_; }           // draw_pattern, fill_rect, compare
  std::vector<Extent> entries();                      // page-aligned runs, as Linux sends them

  uint32_t create();                                  // RESOURCE_CREATE_BLOB with the entries
  uint32_t unref() { return gpu_.resource_unref(id()); }

  // Linux's plane update, queued behind one kick. Nothing is waited for.
  struct Commit {
    Ticket transfer = 0;
    std::optional<Ticket> scanout;
    Ticket flush = 0;
  };
  Commit commit(uint32_t scanout_id, GpuRect damage, bool framebuffer_changed, uint64_t fence_id);
  // commit() and wait for all of it; returns the first non-OK response type, else OK.
  uint32_t present(uint32_t scanout_id, GpuRect damage, bool framebuffer_changed, uint64_t fence_id);

 private:
  GuestDriver& gpu_;
  Framebuffer pixels_;
  uint64_t size_ = 0;
};

}  // namespace vugpu::frontend
