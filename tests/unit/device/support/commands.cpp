#include "support/commands.hpp"

#include <algorithm>

namespace vugpu::test {

virtio_gpu_rect wire_rect(const Rect& r) { return virtio_gpu_rect{r.x, r.y, r.width, r.height}; }

namespace {
virtio_gpu_ctrl_hdr* header_of(std::vector<uint8_t>& request) {
  return reinterpret_cast<virtio_gpu_ctrl_hdr*>(request.data());
}
}  // namespace

std::vector<uint8_t> fenced(std::vector<uint8_t> request, uint64_t fence_id, uint32_t ctx_id) {
  auto* h = header_of(request);
  h->flags |= VIRTIO_GPU_FLAG_FENCE;
  h->fence_id = fence_id;
  h->ctx_id = ctx_id;
  return request;
}

std::vector<uint8_t> fenced_on_ring(std::vector<uint8_t> request, uint64_t fence_id, uint32_t ctx_id, uint8_t ring_idx) {
  request = fenced(std::move(request), fence_id, ctx_id);
  auto* h = header_of(request);
  h->flags |= VIRTIO_GPU_FLAG_INFO_RING_IDX;
  h->ring_idx = ring_idx;
  return request;
}

std::vector<uint8_t> with_ctx(std::vector<uint8_t> request, uint32_t ctx_id) {
  header_of(request)->ctx_id = ctx_id;
  return request;
}

std::vector<uint8_t> header_only(uint32_t type) {
  virtio_gpu_ctrl_hdr h;
  std::memset(&h, 0, sizeof h);
  h.type = type;
  return bytes_of(h);
}

std::vector<uint8_t> get_display_info() { return header_only(VIRTIO_GPU_CMD_GET_DISPLAY_INFO); }

std::vector<uint8_t> get_edid(uint32_t scanout_id) {
  auto c = command<virtio_gpu_cmd_get_edid>(VIRTIO_GPU_CMD_GET_EDID);
  c.scanout = scanout_id;
  return bytes_of(c);
}

std::vector<uint8_t> create_2d(uint32_t id, uint32_t format, uint32_t width, uint32_t height) {
  auto c = command<virtio_gpu_resource_create_2d>(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D);
  c.resource_id = id;
  c.format = format;
  c.width = width;
  c.height = height;
  return bytes_of(c);
}

std::vector<uint8_t> unref(uint32_t id) {
  auto c = command<virtio_gpu_resource_unref>(VIRTIO_GPU_CMD_RESOURCE_UNREF);
  c.resource_id = id;
  return bytes_of(c);
}

std::vector<uint8_t> attach_backing_raw(uint32_t id, uint32_t nr_entries, std::span<const virtio_gpu_mem_entry> entries) {
  auto c = command<virtio_gpu_resource_attach_backing>(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING);
  c.resource_id = id;
  c.nr_entries = nr_entries;
  return bytes_of(c, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(entries.data()), entries.size_bytes()));
}

std::vector<uint8_t> attach_backing(uint32_t id, const Backing& backing) {
  return attach_backing_raw(id, static_cast<uint32_t>(backing.entries.size()), backing.entries);
}

std::vector<uint8_t> detach_backing(uint32_t id) {
  auto c = command<virtio_gpu_resource_detach_backing>(VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING);
  c.resource_id = id;
  return bytes_of(c);
}

std::vector<uint8_t> transfer_2d(uint32_t id, const Rect& r, uint64_t offset) {
  auto c = command<virtio_gpu_transfer_to_host_2d>(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D);
  c.r = wire_rect(r);
  c.offset = offset;
  c.resource_id = id;
  return bytes_of(c);
}

std::vector<uint8_t> set_scanout(uint32_t scanout_id, uint32_t id, const Rect& r) {
  auto c = command<virtio_gpu_set_scanout>(VIRTIO_GPU_CMD_SET_SCANOUT);
  c.r = wire_rect(r);
  c.scanout_id = scanout_id;
  c.resource_id = id;
  return bytes_of(c);
}

std::vector<uint8_t> flush(uint32_t id, const Rect& r) {
  auto c = command<virtio_gpu_resource_flush>(VIRTIO_GPU_CMD_RESOURCE_FLUSH);
  c.r = wire_rect(r);
  c.resource_id = id;
  return bytes_of(c);
}

std::vector<uint8_t> update_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, uint32_t id, uint32_t hot_x, uint32_t hot_y) {
  auto c = command<virtio_gpu_update_cursor>(VIRTIO_GPU_CMD_UPDATE_CURSOR);
  c.pos.scanout_id = scanout_id;
  c.pos.x = x;
  c.pos.y = y;
  c.resource_id = id;
  c.hot_x = hot_x;
  c.hot_y = hot_y;
  return bytes_of(c);
}

std::vector<uint8_t> move_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, uint32_t resource_id) {
  auto c = command<virtio_gpu_update_cursor>(VIRTIO_GPU_CMD_MOVE_CURSOR);
  c.resource_id = resource_id;
  c.pos.scanout_id = scanout_id;
  c.pos.x = x;
  c.pos.y = y;
  return bytes_of(c);
}

std::vector<uint8_t> ctx_create(uint32_t ctx_id, std::string_view name, uint32_t context_init) {
  auto c = command<virtio_gpu_ctx_create>(VIRTIO_GPU_CMD_CTX_CREATE);
  c.hdr.ctx_id = ctx_id;
  c.nlen = static_cast<uint32_t>(name.size());
  c.context_init = context_init;
  std::memcpy(c.debug_name, name.data(), std::min(name.size(), sizeof c.debug_name));
  return bytes_of(c);
}

std::vector<uint8_t> ctx_destroy(uint32_t ctx_id) {
  auto c = command<virtio_gpu_ctx_destroy>(VIRTIO_GPU_CMD_CTX_DESTROY);
  c.hdr.ctx_id = ctx_id;
  return bytes_of(c);
}

std::vector<uint8_t> ctx_resource(uint32_t ctx_id, uint32_t id, bool attach) {
  auto c = command<virtio_gpu_ctx_resource>(attach ? VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE : VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE);
  c.hdr.ctx_id = ctx_id;
  c.resource_id = id;
  return bytes_of(c);
}

std::vector<uint8_t> create_3d(uint32_t id, uint32_t target, uint32_t format, uint32_t width, uint32_t height) {
  auto c = command<virtio_gpu_resource_create_3d>(VIRTIO_GPU_CMD_RESOURCE_CREATE_3D);
  c.resource_id = id;
  c.target = target;
  c.format = format;
  c.width = width;
  c.height = height;
  c.depth = 1;
  c.array_size = 1;
  return bytes_of(c);
}

std::vector<uint8_t> transfer_3d(bool to_host, uint32_t ctx_id, uint32_t id, uint64_t offset) {
  auto c = command<virtio_gpu_transfer_host_3d>(to_host ? VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D : VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D);
  c.hdr.ctx_id = ctx_id;
  c.box = virtio_gpu_box{1, 2, 0, 3, 4, 1};
  c.offset = offset;
  c.resource_id = id;
  c.stride = 64;
  return bytes_of(c);
}

std::vector<uint8_t> submit_3d(uint32_t ctx_id, uint32_t announced, std::span<const uint8_t> payload) {
  auto c = command<virtio_gpu_cmd_submit>(VIRTIO_GPU_CMD_SUBMIT_3D);
  c.hdr.ctx_id = ctx_id;
  c.size = announced;
  return bytes_of(c, payload);
}

std::vector<uint8_t> get_capset_info(uint32_t index) {
  auto c = command<virtio_gpu_get_capset_info>(VIRTIO_GPU_CMD_GET_CAPSET_INFO);
  c.capset_index = index;
  return bytes_of(c);
}

std::vector<uint8_t> get_capset(uint32_t id, uint32_t version) {
  auto c = command<virtio_gpu_get_capset>(VIRTIO_GPU_CMD_GET_CAPSET);
  c.capset_id = id;
  c.capset_version = version;
  return bytes_of(c);
}

}  // namespace vugpu::test
