// The virtio-gpu wire format (<linux/virtio_gpu.h>) as the device decodes it: which commands
// exist, how big their fixed part is, which queue they belong on. Pure data, any thread.
#pragma once
#include <linux/virtio_gpu.h>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace vugpu::protocol {

// virtio 1.x is little-endian. Requests are decoded by copying bytes into the kernel's structs,
// which is exact on a little-endian host; this is the only kind vugpu supports.
static_assert(std::endian::native == std::endian::little, "vugpu decodes virtio-gpu by memcpy: little-endian hosts only");

struct CommandInfo {
  uint32_t type;
  size_t request_size;  // the fixed struct; a payload may follow (attach backing, submit 3d)
  std::string_view name;
};

// Every command of the header, including the blob ones this device does not (yet) serve.
inline constexpr CommandInfo kCommands[] = {
    {VIRTIO_GPU_CMD_GET_DISPLAY_INFO, sizeof(virtio_gpu_ctrl_hdr), "GET_DISPLAY_INFO"},
    {VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, sizeof(virtio_gpu_resource_create_2d), "RESOURCE_CREATE_2D"},
    {VIRTIO_GPU_CMD_RESOURCE_UNREF, sizeof(virtio_gpu_resource_unref), "RESOURCE_UNREF"},
    {VIRTIO_GPU_CMD_SET_SCANOUT, sizeof(virtio_gpu_set_scanout), "SET_SCANOUT"},
    {VIRTIO_GPU_CMD_RESOURCE_FLUSH, sizeof(virtio_gpu_resource_flush), "RESOURCE_FLUSH"},
    {VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, sizeof(virtio_gpu_transfer_to_host_2d), "TRANSFER_TO_HOST_2D"},
    {VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, sizeof(virtio_gpu_resource_attach_backing), "RESOURCE_ATTACH_BACKING"},
    {VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, sizeof(virtio_gpu_resource_detach_backing), "RESOURCE_DETACH_BACKING"},
    {VIRTIO_GPU_CMD_GET_CAPSET_INFO, sizeof(virtio_gpu_get_capset_info), "GET_CAPSET_INFO"},
    {VIRTIO_GPU_CMD_GET_CAPSET, sizeof(virtio_gpu_get_capset), "GET_CAPSET"},
    {VIRTIO_GPU_CMD_GET_EDID, sizeof(virtio_gpu_cmd_get_edid), "GET_EDID"},
    {VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID, sizeof(virtio_gpu_resource_assign_uuid), "RESOURCE_ASSIGN_UUID"},
    {VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, sizeof(virtio_gpu_resource_create_blob), "RESOURCE_CREATE_BLOB"},
    {VIRTIO_GPU_CMD_SET_SCANOUT_BLOB, sizeof(virtio_gpu_set_scanout_blob), "SET_SCANOUT_BLOB"},
    {VIRTIO_GPU_CMD_CTX_CREATE, sizeof(virtio_gpu_ctx_create), "CTX_CREATE"},
    {VIRTIO_GPU_CMD_CTX_DESTROY, sizeof(virtio_gpu_ctx_destroy), "CTX_DESTROY"},
    {VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE, sizeof(virtio_gpu_ctx_resource), "CTX_ATTACH_RESOURCE"},
    {VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE, sizeof(virtio_gpu_ctx_resource), "CTX_DETACH_RESOURCE"},
    {VIRTIO_GPU_CMD_RESOURCE_CREATE_3D, sizeof(virtio_gpu_resource_create_3d), "RESOURCE_CREATE_3D"},
    {VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D, sizeof(virtio_gpu_transfer_host_3d), "TRANSFER_TO_HOST_3D"},
    {VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D, sizeof(virtio_gpu_transfer_host_3d), "TRANSFER_FROM_HOST_3D"},
    {VIRTIO_GPU_CMD_SUBMIT_3D, sizeof(virtio_gpu_cmd_submit), "SUBMIT_3D"},
    {VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB, sizeof(virtio_gpu_resource_map_blob), "RESOURCE_MAP_BLOB"},
    {VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB, sizeof(virtio_gpu_resource_unmap_blob), "RESOURCE_UNMAP_BLOB"},
    {VIRTIO_GPU_CMD_UPDATE_CURSOR, sizeof(virtio_gpu_update_cursor), "UPDATE_CURSOR"},
    {VIRTIO_GPU_CMD_MOVE_CURSOR, sizeof(virtio_gpu_update_cursor), "MOVE_CURSOR"},
};

constexpr const CommandInfo* find_command(uint32_t type) {
  for (const auto& c : kCommands)
    if (c.type == type) return &c;
  return nullptr;
}

constexpr std::string_view command_name(uint32_t type) {
  const CommandInfo* c = find_command(type);
  return c != nullptr ? c->name : std::string_view("unknown command");
}

// The largest fixed part of any request: the bound of the local copy a request is gathered into.
constexpr size_t max_request_size() {
  size_t m = 0;
  for (const auto& c : kCommands) m = c.request_size > m ? c.request_size : m;
  return m;
}
inline constexpr size_t kMaxRequestSize = max_request_size();

// UPDATE_CURSOR and MOVE_CURSOR belong on the cursor queue, everything else on the control queue.
constexpr bool is_cursor_command(uint32_t type) {
  return type == VIRTIO_GPU_CMD_UPDATE_CURSOR || type == VIRTIO_GPU_CMD_MOVE_CURSOR;
}

// ring_idx is 0..63 (virtio spec, VIRTIO_GPU_FLAG_INFO_RING_IDX).
inline constexpr uint32_t kMaxRings = 64;

// A struct we copy guest bytes into or response bytes out of must have no hidden padding:
// every byte of it is a named field, so zeroing it and setting fields defines every byte.
template <typename T>
inline constexpr bool kIsWireStruct = std::is_trivially_copyable_v<T> && std::has_unique_object_representations_v<T>;

}  // namespace vugpu::protocol
