// Request builders: the bytes a guest driver would put in a descriptor chain, built from the
// kernel's own structs (<linux/virtio_gpu.h>), every unnamed byte zero.
#pragma once
#include <linux/virtio_gpu.h>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>
#include "support/guest_ram.hpp"
#include "vugpu/geometry.hpp"

namespace vugpu::test {

template <typename T>
std::vector<uint8_t> bytes_of(const T& v, std::span<const uint8_t> payload = {}) {
  std::vector<uint8_t> out(sizeof(T) + payload.size());
  std::memcpy(out.data(), &v, sizeof(T));
  if (!payload.empty()) std::memcpy(out.data() + sizeof(T), payload.data(), payload.size());
  return out;
}

template <typename T>
T command(uint32_t type) {
  T c;
  std::memset(&c, 0, sizeof c);
  c.hdr.type = type;
  return c;
}

virtio_gpu_rect wire_rect(const Rect& r);

// Sets the fence fields of an encoded request (its header is at offset 0).
std::vector<uint8_t> fenced(std::vector<uint8_t> request, uint64_t fence_id, uint32_t ctx_id = 0);
std::vector<uint8_t> fenced_on_ring(std::vector<uint8_t> request, uint64_t fence_id, uint32_t ctx_id, uint8_t ring_idx);
std::vector<uint8_t> with_ctx(std::vector<uint8_t> request, uint32_t ctx_id);

std::vector<uint8_t> header_only(uint32_t type);
std::vector<uint8_t> get_display_info();
std::vector<uint8_t> get_edid(uint32_t scanout_id);
std::vector<uint8_t> create_2d(uint32_t id, uint32_t format, uint32_t width, uint32_t height);
std::vector<uint8_t> unref(uint32_t id);
std::vector<uint8_t> attach_backing(uint32_t id, const Backing& backing);
// nr_entries as announced, followed by the given entries (which may be fewer or more).
std::vector<uint8_t> attach_backing_raw(uint32_t id, uint32_t nr_entries, std::span<const virtio_gpu_mem_entry> entries);
std::vector<uint8_t> detach_backing(uint32_t id);
std::vector<uint8_t> transfer_2d(uint32_t id, const Rect& r, uint64_t offset);
std::vector<uint8_t> set_scanout(uint32_t scanout_id, uint32_t id, const Rect& r);
std::vector<uint8_t> flush(uint32_t id, const Rect& r);
std::vector<uint8_t> update_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, uint32_t id, uint32_t hot_x, uint32_t hot_y);
std::vector<uint8_t> move_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, uint32_t resource_id = 1);
std::vector<uint8_t> ctx_create(uint32_t ctx_id, std::string_view name, uint32_t context_init = 0);
std::vector<uint8_t> ctx_destroy(uint32_t ctx_id);
std::vector<uint8_t> ctx_resource(uint32_t ctx_id, uint32_t id, bool attach);
std::vector<uint8_t> create_3d(uint32_t id, uint32_t target, uint32_t format, uint32_t width, uint32_t height);
std::vector<uint8_t> transfer_3d(bool to_host, uint32_t ctx_id, uint32_t id, uint64_t offset);
// `announced` is the size field; `payload` follows the header.
std::vector<uint8_t> submit_3d(uint32_t ctx_id, uint32_t announced, std::span<const uint8_t> payload);
std::vector<uint8_t> get_capset_info(uint32_t index);
std::vector<uint8_t> get_capset(uint32_t id, uint32_t version);

}  // namespace vugpu::test
