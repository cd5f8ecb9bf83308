#include "framebuffer.hpp"
#include <cstdio>
#include <stdexcept>

namespace vugpu::frontend {

Framebuffer::Framebuffer(GuestDriver& gpu, uint32_t resource_id, uint32_t width, uint32_t height, uint32_t format,
                         Placement placement)
    : gpu_(gpu), id_(resource_id), width_(width), height_(height), format_(format) {
  if (!format_layout(format)) throw std::invalid_argument("Framebuffer: not a 2D format");
  backing_ = gpu.vmm().allocator().allocate(uint64_t(width) * height * 4, placement);
  if (backing_.empty()) throw FrontendError("guest RAM exhausted (framebuffer backing)");
  backing_.fill(0);
}

uint32_t Framebuffer::create() { return gpu_.resource_create_2d(id_, format_, width_, height_); }
uint32_t Framebuffer::attach() {
  const auto entries = backing_.entries();
  return gpu_.attach_backing(id_, entries);
}
uint32_t Framebuffer::set_scanout(uint32_t scanout_id, GpuRect r) { return gpu_.set_scanout(scanout_id, id_, r); }
uint32_t Framebuffer::transfer(GpuRect r) { return gpu_.transfer_to_host_2d(id_, r, offset_of(r.x, r.y)); }
uint32_t Framebuffer::flush(GpuRect r) { return gpu_.resource_flush(id_, r); }
uint32_t Framebuffer::detach() { return gpu_.detach_backing(id_); }
uint32_t Framebuffer::unref() { return gpu_.resource_unref(id_); }

uint32_t Framebuffer::present(GpuRect r, const CmdOptions& flush_options) {
  const auto hdr = uint32_t(sizeof(virtio_gpu_ctrl_hdr));
  const Ticket t = gpu_.submit(Queue::Control, cmd::transfer_to_host_2d(id_, r, offset_of(r.x, r.y)), hdr, {}, false);
  const Ticket f = gpu_.submit(Queue::Control, cmd::resource_flush(id_, r, flush_options), hdr, {}, false);
  gpu_.kick(Queue::Control);
  auto tc = gpu_.wait(t);
  auto fc = gpu_.wait(f);
  if (!tc || !fc) throw FrontendError("TRANSFER_TO_HOST_2D + RESOURCE_FLUSH: no used entry within 5 s");
  return tc->type() != VIRTIO_GPU_RESP_OK_NODATA ? tc->type() : fc->type();
}

uint32_t Framebuffer::show_on(uint32_t scanout_id) {
  for (uint32_t r : {create(), attach(), set_scanout(scanout_id), present(whole())})
    if (r != VIRTIO_GPU_RESP_OK_NODATA) return r;
  return VIRTIO_GPU_RESP_OK_NODATA;
}

void Framebuffer::set_pixel(uint32_t x, uint32_t y, uint32_t xrgb) {
  uint8_t px[4];
  from_xrgb(format_, xrgb, px);
  backing_.write(offset_of(x, y), px);
}

uint32_t Framebuffer::pixel_xrgb(uint32_t x, uint32_t y) const {
  uint8_t px[4];
  backing_.read(offset_of(x, y), px);
  return to_xrgb(format_, px);
}

namespace {

// 24 bits of a hash of (x, y, seed) (murmur3's finaliser over one mixed word). No period in x or
// y: an update placed any number of rows or columns off, or one from another seed, differs in
// almost every pixel (a pattern of (x * k) & 0xff repeats every 256 px and would compare equal
// one 256-row band off).
uint32_t pattern_pixel(uint32_t x, uint32_t y, uint32_t seed) {
  uint32_t h = x * 0x9E3779B1u ^ (y + 0x7F4A7C15u) * 0x85EBCA77u ^ (seed + 1) * 0xC2B2AE3Du;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h & 0xffffff;
}

}  // namespace

void Framebuffer::draw_pattern(uint32_t seed) {
  row_.resize(stride());
  for (uint32_t y = 0; y < height_; ++y) {
    for (uint32_t x = 0; x < width_; ++x) from_xrgb(format_, pattern_pixel(x, y, seed), &row_[size_t(x) * 4]);
    backing_.write(offset_of(0, y), row_);
  }
}

void Framebuffer::fill_rect(GpuRect r, uint32_t xrgb) {
  row_.resize(size_t(r.width) * 4);
  for (uint32_t x = 0; x < r.width; ++x) from_xrgb(format_, xrgb, &row_[size_t(x) * 4]);
  for (uint32_t y = r.y; y < r.y + r.height; ++y) backing_.write(offset_of(r.x, y), row_);
}

std::string Framebuffer::compare(const Surface* s, GpuRect view) const {
  if (!s) return "the display has no surface for this scanout (no SCANOUT message)";
  if (s->width != view.width || s->height != view.height)
    return "surface is " + std::to_string(s->width) + "x" + std::to_string(s->height) + ", expected " +
           std::to_string(view.width) + "x" + std::to_string(view.height);
  uint64_t wrong = 0;
  std::string first;
  std::vector<uint8_t> row(size_t(view.width) * 4);
  for (uint32_t y = 0; y < view.height; ++y) {
    backing_.read(offset_of(view.x, view.y + y), row);
    for (uint32_t x = 0; x < view.width; ++x) {
      const uint32_t want = to_xrgb(format_, &row[size_t(x) * 4]);
      const uint32_t got = s->at(x, y) & 0xffffff;
      if (want != got && wrong++ == 0) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "pixel (%u,%u) is %06x, guest drew %06x", x, y, got, want);
        first = buf;
      }
    }
  }
  if (!wrong) return {};
  return std::to_string(wrong) + " of " + std::to_string(uint64_t(view.width) * view.height) + " pixels differ; first: " + first;
}

}  // namespace vugpu::frontend
