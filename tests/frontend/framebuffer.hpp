// A guest framebuffer: a 2D resource with backing pages in guest RAM, drawn by the "guest CPU",
// and the command sequence Linux's driver sends to show it (CREATE_2D, ATTACH_BACKING,
// SET_SCANOUT, TRANSFER_TO_HOST_2D, RESOURCE_FLUSH). It also knows what the VMM should show,
// so tests compare the display peer's composed surface with it, and benchmarks run
// draw/present loops with it.
#pragma once
#include <linux/virtio_gpu.h>
#include <cstdint>
#include <string>
#include <vector>
#include "display_peer.hpp"
#include "guest_driver.hpp"

namespace vugpu::frontend {

class Framebuffer {
 public:
  Framebuffer(GuestDriver& gpu, uint32_t resource_id, uint32_t width, uint32_t height,
              uint32_t format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, Placement placement = Placement::Contiguous);

  uint32_t id() const { return id_; }
  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  uint32_t stride() const { return width_ * 4; }
  uint32_t format() const { return format_; }
  GpuRect whole() const { return {0, 0, width_, height_}; }
  GuestAllocation& backing() { return backing_; }

  // The driver's commands; each returns the response type.
  uint32_t create();
  uint32_t attach();
  uint32_t set_scanout(uint32_t scanout_id) { return set_scanout(scanout_id, whole()); }
  uint32_t set_scanout(uint32_t scanout_id, GpuRect r);
  uint32_t transfer(GpuRect r);
  uint32_t flush(GpuRect r);
  // TRANSFER_TO_HOST_2D + RESOURCE_FLUSH queued together (one kick), waited together; returns
  // the flush's response type, or the transfer's when that failed.
  uint32_t present(GpuRect r, const CmdOptions& flush_options = {});
  uint32_t detach();
  uint32_t unref();
  // create + attach + set_scanout + present(whole); the type of the first failure, or OK.
  uint32_t show_on(uint32_t scanout_id);

  // Guest CPU drawing into the backing pages.
  void draw_pattern(uint32_t seed);                  // every pixel different, depends on seed
  void fill_rect(GpuRect r, uint32_t xrgb);
  void set_pixel(uint32_t x, uint32_t y, uint32_t xrgb);
  uint32_t pixel_xrgb(uint32_t x, uint32_t y) const;  // what the VMM should show for it

  // Compares a composed surface with the guest's pixels: `view` of this resource should be at
  // (0,0) of the surface. Colour channels only (X/alpha ignored). Empty string = equal;
  // otherwise says where and how it differs.
  std::string compare(const Surface* surface, GpuRect view) const;
  std::string compare(const Surface* surface) const { return compare(surface, whole()); }

 private:
  uint64_t offset_of(uint32_t x, uint32_t y) const { return uint64_t(y) * stride() + uint64_t(x) * 4; }

  GuestDriver& gpu_;
  uint32_t id_, width_, height_, format_;
  GuestAllocation backing_;
  std::vector<uint8_t> row_;  // scratch
};

}  // namespace vugpu::frontend
