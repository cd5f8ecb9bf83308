// virtio-gpu command builders: the bytes a guest driver puts in the readable part of a chain.
// Every 2D, cursor, blob and context command has one; malformed variants are made by editing
// the returned bytes (truncate, grow, change a field).
#pragma once
#include <linux/virtio_gpu.h>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include "page_allocator.hpp"

namespace vugpu::frontend {

using Bytes = std::vector<uint8_t>;

struct GpuRect {
  uint32_t x = 0, y = 0, width = 0, height = 0;
};

// Fields of the common header every command carries.
struct CmdOptions {
  std::optional<uint64_t> fence;    // sets VIRTIO_GPU_FLAG_FENCE and fence_id
  uint32_t ctx_id = 0;
  std::optional<uint8_t> ring_idx;  // sets VIRTIO_GPU_FLAG_INFO_RING_IDX
};

inline CmdOptions with_fence(uint64_t fence_id) {
  CmdOptions o;
  o.fence = fence_id;
  return o;
}

namespace cmd {
Bytes header_only(uint32_t type, const CmdOptions& o = {});
Bytes get_display_info(const CmdOptions& o = {});
Bytes get_edid(uint32_t scanout, const CmdOptions& o = {});
Bytes resource_create_2d(uint32_t resource_id, uint32_t format, uint32_t width, uint32_t height, const CmdOptions& o = {});
Bytes resource_unref(uint32_t resource_id, const CmdOptions& o = {});
Bytes set_scanout(uint32_t scanout_id, uint32_t resource_id, GpuRect r, const CmdOptions& o = {});
Bytes resource_flush(uint32_t resource_id, GpuRect r, const CmdOptions& o = {});
Bytes transfer_to_host_2d(uint32_t resource_id, GpuRect r, uint64_t offset, const CmdOptions& o = {});
Bytes attach_backing(uint32_t resource_id, std::span<const Extent> entries, const CmdOptions& o = {});
// ATTACH_BACKING whose nr_entries says `claimed` while `entries` are what follows.
Bytes attach_backing_claiming(uint32_t resource_id, uint32_t claimed, std::span<const Extent> entries, const CmdOptions& o = {});
Bytes detach_backing(uint32_t resource_id, const CmdOptions& o = {});
Bytes get_capset_info(uint32_t index, const CmdOptions& o = {});
Bytes get_capset(uint32_t capset_id, uint32_t version, const CmdOptions& o = {});
Bytes resource_assign_uuid(uint32_t resource_id, const CmdOptions& o = {});
Bytes resource_create_blob(uint32_t resource_id, uint32_t blob_mem, uint32_t blob_flags, uint64_t blob_id, uint64_t size,
                           std::span<const Extent> entries, const CmdOptions& o = {});
Bytes set_scanout_blob(uint32_t scanout_id, uint32_t resource_id, GpuRect r, uint32_t width, uint32_t height,
                       uint32_t format, uint32_t stride, uint32_t offset = 0, const CmdOptions& o = {});
Bytes ctx_create(uint32_t ctx_id, const std::string& name, uint32_t context_init = 0, const CmdOptions& o = {});
Bytes ctx_destroy(uint32_t ctx_id, const CmdOptions& o = {});
Bytes ctx_attach_resource(uint32_t ctx_id, uint32_t resource_id, const CmdOptions& o = {});
Bytes ctx_detach_resource(uint32_t ctx_id, uint32_t resource_id, const CmdOptions& o = {});
Bytes submit_3d(uint32_t ctx_id, std::span<const uint8_t> commands, const CmdOptions& o = {});
// Cursor queue.
Bytes update_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, uint32_t resource_id, uint32_t hot_x, uint32_t hot_y,
                    const CmdOptions& o = {});
// resource_id: the cursor currently shown (Linux repeats it); 0 hides the cursor (QEMU).
Bytes move_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, uint32_t resource_id, const CmdOptions& o = {});
}  // namespace cmd

// Reading responses.
uint32_t response_type(std::span<const uint8_t> response);  // 0 when shorter than a header
std::string response_name(uint32_t type);
std::string command_name(uint32_t type);

// Bytes per pixel is 4 for every 2D format; the byte position of R, G, B (and A, or -1) in a
// pixel of a virtio-gpu format, as laid out in memory.
struct FormatLayout {
  int r, g, b, a;
};
std::optional<FormatLayout> format_layout(uint32_t virtio_format);
// The x8r8g8b8 value QEMU shows for one pixel of the format (X = 0).
uint32_t to_xrgb(uint32_t virtio_format, const uint8_t* pixel);
// The pixel bytes of the format for an x8r8g8b8 colour (alpha/X byte = 0xff).
void from_xrgb(uint32_t virtio_format, uint32_t xrgb, uint8_t* pixel);

}  // namespace vugpu::frontend
