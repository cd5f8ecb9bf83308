#include "gpu_commands.hpp"
#include <cstring>

namespace vugpu::frontend {

namespace {

virtio_gpu_ctrl_hdr make_header(uint32_t type, const CmdOptions& o) {
  virtio_gpu_ctrl_hdr h{};
  h.type = type;
  if (o.fence) {
    h.flags |= VIRTIO_GPU_FLAG_FENCE;
    h.fence_id = *o.fence;
  }
  h.ctx_id = o.ctx_id;
  if (o.ring_idx) {
    h.flags |= VIRTIO_GPU_FLAG_INFO_RING_IDX;
    h.ring_idx = *o.ring_idx;
  }
  return h;
}

template <typename T>
Bytes to_bytes(const T& v) {
  Bytes b(sizeof(T));
  std::memcpy(b.data(), &v, sizeof(T));
  return b;
}

void append_entries(Bytes& b, std::span<const Extent> entries) {
  for (const auto& e : entries) {
    virtio_gpu_mem_entry m{};
    m.addr = e.gpa;
    m.length = uint32_t(e.len);
    const size_t at = b.size();
    b.resize(at + sizeof(m));
    std::memcpy(b.data() + at, &m, sizeof(m));
  }
}

virtio_gpu_rect rect(GpuRect r) { return {r.x, r.y, r.width, r.height}; }

}  // namespace

namespace cmd {

Bytes header_only(uint32_t type, const CmdOptions& o) { return to_bytes(make_header(type, o)); }
Bytes get_display_info(const CmdOptions& o) { return header_only(VIRTIO_GPU_CMD_GET_DISPLAY_INFO, o); }

Bytes get_edid(uint32_t scanout, const CmdOptions& o) {
  virtio_gpu_cmd_get_edid c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_GET_EDID, o);
  c.scanout = scanout;
  return to_bytes(c);
}

Bytes resource_create_2d(uint32_t resource_id, uint32_t format, uint32_t width, uint32_t height, const CmdOptions& o) {
  virtio_gpu_resource_create_2d c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, o);
  c.resource_id = resource_id;
  c.format = format;
  c.width = width;
  c.height = height;
  return to_bytes(c);
}

Bytes resource_unref(uint32_t resource_id, const CmdOptions& o) {
  virtio_gpu_resource_unref c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_RESOURCE_UNREF, o);
  c.resource_id = resource_id;
  return to_bytes(c);
}

Bytes set_scanout(uint32_t scanout_id, uint32_t resource_id, GpuRect r, const CmdOptions& o) {
  virtio_gpu_set_scanout c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_SET_SCANOUT, o);
  c.r = rect(r);
  c.scanout_id = scanout_id;
  c.resource_id = resource_id;
  return to_bytes(c);
}

Bytes resource_flush(uint32_t resource_id, GpuRect r, const CmdOptions& o) {
  virtio_gpu_resource_flush c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_RESOURCE_FLUSH, o);
  c.r = rect(r);
  c.resource_id = resource_id;
  return to_bytes(c);
}

Bytes transfer_to_host_2d(uint32_t resource_id, GpuRect r, uint64_t offset, const CmdOptions& o) {
  virtio_gpu_transfer_to_host_2d c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, o);
  c.r = rect(r);
  c.offset = offset;
  c.resource_id = resource_id;
  return to_bytes(c);
}

Bytes attach_backing_claiming(uint32_t resource_id, uint32_t claimed, std::span<const Extent> entries, const CmdOptions& o) {
  virtio_gpu_resource_attach_backing c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, o);
  c.resource_id = resource_id;
  c.nr_entries = claimed;
  Bytes b = to_bytes(c);
  append_entries(b, entries);
  return b;
}

Bytes attach_backing(uint32_t resource_id, std::span<const Extent> entries, const CmdOptions& o) {
  return attach_backing_claiming(resource_id, uint32_t(entries.size()), entries, o);
}

Bytes detach_backing(uint32_t resource_id, const CmdOptions& o) {
  virtio_gpu_resource_detach_backing c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, o);
  c.resource_id = resource_id;
  return to_bytes(c);
}

Bytes get_capset_info(uint32_t index, const CmdOptions& o) {
  virtio_gpu_get_capset_info c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_GET_CAPSET_INFO, o);
  c.capset_index = index;
  return to_bytes(c);
}

Bytes get_capset(uint32_t capset_id, uint32_t version, const CmdOptions& o) {
  virtio_gpu_get_capset c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_GET_CAPSET, o);
  c.capset_id = capset_id;
  c.capset_version = version;
  return to_bytes(c);
}

Bytes resource_assign_uuid(uint32_t resource_id, const CmdOptions& o) {
  virtio_gpu_resource_assign_uuid c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID, o);
  c.resource_id = resource_id;
  return to_bytes(c);
}

Bytes resource_create_blob(uint32_t resource_id, uint32_t blob_mem, uint32_t blob_flags, uint64_t blob_id, uint64_t size,
                           std::span<const Extent> entries, const CmdOptions& o) {
  virtio_gpu_resource_create_blob c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB, o);
  c.resource_id = resource_id;
  c.blob_mem = blob_mem;
  c.blob_flags = blob_flags;
  c.nr_entries = uint32_t(entries.size());
  c.blob_id = blob_id;
  c.size = size;
  Bytes b = to_bytes(c);
  append_entries(b, entries);
  return b;
}

Bytes set_scanout_blob(uint32_t scanout_id, uint32_t resource_id, GpuRect r, uint32_t width, uint32_t height,
                       uint32_t format, uint32_t stride, uint32_t offset, const CmdOptions& o) {
  virtio_gpu_set_scanout_blob c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_SET_SCANOUT_BLOB, o);
  c.r = rect(r);
  c.scanout_id = scanout_id;
  c.resource_id = resource_id;
  c.width = width;
  c.height = height;
  c.format = format;
  c.strides[0] = stride;
  c.offsets[0] = offset;
  return to_bytes(c);
}

Bytes ctx_create(uint32_t ctx_id, const std::string& name, uint32_t context_init, const CmdOptions& o) {
  CmdOptions with_ctx = o;
  with_ctx.ctx_id = ctx_id;
  virtio_gpu_ctx_create c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_CTX_CREATE, with_ctx);
  c.nlen = uint32_t(std::min(name.size(), sizeof(c.debug_name)));
  c.context_init = context_init;
  std::memcpy(c.debug_name, name.data(), c.nlen);
  return to_bytes(c);
}

Bytes ctx_destroy(uint32_t ctx_id, const CmdOptions& o) {
  CmdOptions with_ctx = o;
  with_ctx.ctx_id = ctx_id;
  return header_only(VIRTIO_GPU_CMD_CTX_DESTROY, with_ctx);
}

static Bytes ctx_resource(uint32_t type, uint32_t ctx_id, uint32_t resource_id, const CmdOptions& o) {
  CmdOptions with_ctx = o;
  with_ctx.ctx_id = ctx_id;
  virtio_gpu_ctx_resource c{};
  c.hdr = make_header(type, with_ctx);
  c.resource_id = resource_id;
  return to_bytes(c);
}

Bytes ctx_attach_resource(uint32_t ctx_id, uint32_t resource_id, const CmdOptions& o) {
  return ctx_resource(VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE, ctx_id, resource_id, o);
}
Bytes ctx_detach_resource(uint32_t ctx_id, uint32_t resource_id, const CmdOptions& o) {
  return ctx_resource(VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE, ctx_id, resource_id, o);
}

Bytes submit_3d(uint32_t ctx_id, std::span<const uint8_t> commands, const CmdOptions& o) {
  CmdOptions with_ctx = o;
  with_ctx.ctx_id = ctx_id;
  virtio_gpu_cmd_submit c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_SUBMIT_3D, with_ctx);
  c.size = uint32_t(commands.size());
  // Sized once and filled with memcpy: GCC 12 at -O3 reports a false -Warray-bounds for
  // vector::insert at the end of a 32-byte vector.
  Bytes b(sizeof c + commands.size());
  std::memcpy(b.data(), &c, sizeof c);
  if (!commands.empty()) std::memcpy(b.data() + sizeof c, commands.data(), commands.size());
  return b;
}

Bytes update_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, uint32_t resource_id, uint32_t hot_x, uint32_t hot_y,
                    const CmdOptions& o) {
  virtio_gpu_update_cursor c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_UPDATE_CURSOR, o);
  c.pos.scanout_id = scanout_id;
  c.pos.x = x;
  c.pos.y = y;
  c.resource_id = resource_id;
  c.hot_x = hot_x;
  c.hot_y = hot_y;
  return to_bytes(c);
}

Bytes move_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, uint32_t resource_id, const CmdOptions& o) {
  virtio_gpu_update_cursor c{};
  c.hdr = make_header(VIRTIO_GPU_CMD_MOVE_CURSOR, o);
  c.resource_id = resource_id;
  c.pos.scanout_id = scanout_id;
  c.pos.x = x;
  c.pos.y = y;
  return to_bytes(c);
}

}  // namespace cmd

uint32_t response_type(std::span<const uint8_t> response) {
  if (response.size() < sizeof(virtio_gpu_ctrl_hdr)) return 0;
  uint32_t t;
  std::memcpy(&t, response.data(), sizeof(t));
  return t;
}

std::string response_name(uint32_t type) {
  switch (type) {
    case VIRTIO_GPU_RESP_OK_NODATA: return "OK_NODATA";
    case VIRTIO_GPU_RESP_OK_DISPLAY_INFO: return "OK_DISPLAY_INFO";
    case VIRTIO_GPU_RESP_OK_CAPSET_INFO: return "OK_CAPSET_INFO";
    case VIRTIO_GPU_RESP_OK_CAPSET: return "OK_CAPSET";
    case VIRTIO_GPU_RESP_OK_EDID: return "OK_EDID";
    case VIRTIO_GPU_RESP_OK_RESOURCE_UUID: return "OK_RESOURCE_UUID";
    case VIRTIO_GPU_RESP_OK_MAP_INFO: return "OK_MAP_INFO";
    case VIRTIO_GPU_RESP_ERR_UNSPEC: return "ERR_UNSPEC";
    case VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY: return "ERR_OUT_OF_MEMORY";
    case VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID: return "ERR_INVALID_SCANOUT_ID";
    case VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID: return "ERR_INVALID_RESOURCE_ID";
    case VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID: return "ERR_INVALID_CONTEXT_ID";
    case VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER: return "ERR_INVALID_PARAMETER";
    case 0: return "(no response)";
    default: return "response 0x" + [&] { char b[16]; std::snprintf(b, sizeof b, "%x", type); return std::string(b); }();
  }
}

std::string command_name(uint32_t type) {
  switch (type) {
    case VIRTIO_GPU_CMD_GET_DISPLAY_INFO: return "GET_DISPLAY_INFO";
    case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D: return "RESOURCE_CREATE_2D";
    case VIRTIO_GPU_CMD_RESOURCE_UNREF: return "RESOURCE_UNREF";
    case VIRTIO_GPU_CMD_SET_SCANOUT: return "SET_SCANOUT";
    case VIRTIO_GPU_CMD_RESOURCE_FLUSH: return "RESOURCE_FLUSH";
    case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D: return "TRANSFER_TO_HOST_2D";
    case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING: return "RESOURCE_ATTACH_BACKING";
    case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING: return "RESOURCE_DETACH_BACKING";
    case VIRTIO_GPU_CMD_GET_CAPSET_INFO: return "GET_CAPSET_INFO";
    case VIRTIO_GPU_CMD_GET_CAPSET: return "GET_CAPSET";
    case VIRTIO_GPU_CMD_GET_EDID: return "GET_EDID";
    case VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID: return "RESOURCE_ASSIGN_UUID";
    case VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB: return "RESOURCE_CREATE_BLOB";
    case VIRTIO_GPU_CMD_SET_SCANOUT_BLOB: return "SET_SCANOUT_BLOB";
    case VIRTIO_GPU_CMD_CTX_CREATE: return "CTX_CREATE";
    case VIRTIO_GPU_CMD_CTX_DESTROY: return "CTX_DESTROY";
    case VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE: return "CTX_ATTACH_RESOURCE";
    case VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE: return "CTX_DETACH_RESOURCE";
    case VIRTIO_GPU_CMD_SUBMIT_3D: return "SUBMIT_3D";
    case VIRTIO_GPU_CMD_UPDATE_CURSOR: return "UPDATE_CURSOR";
    case VIRTIO_GPU_CMD_MOVE_CURSOR: return "MOVE_CURSOR";
    default: return "command " + std::to_string(type);
  }
}

std::optional<FormatLayout> format_layout(uint32_t f) {
  switch (f) {  // names give the byte order in memory
    case VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM: return FormatLayout{2, 1, 0, 3};
    case VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM: return FormatLayout{2, 1, 0, -1};
    case VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM: return FormatLayout{1, 2, 3, 0};
    case VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM: return FormatLayout{1, 2, 3, -1};
    case VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM: return FormatLayout{0, 1, 2, 3};
    case VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM: return FormatLayout{3, 2, 1, -1};
    case VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM: return FormatLayout{3, 2, 1, 0};
    case VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM: return FormatLayout{0, 1, 2, -1};
    default: return std::nullopt;
  }
}

uint32_t to_xrgb(uint32_t virtio_format, const uint8_t* p) {
  const auto l = format_layout(virtio_format);
  if (!l) return 0;
  return uint32_t(p[l->r]) << 16 | uint32_t(p[l->g]) << 8 | p[l->b];
}

void from_xrgb(uint32_t virtio_format, uint32_t xrgb, uint8_t* p) {
  const auto l = format_layout(virtio_format);
  if (!l) return;
  const int x = 6 - l->r - l->g - l->b;  // the fourth byte position (0+1+2+3 = 6)
  p[l->r] = uint8_t(xrgb >> 16);
  p[l->g] = uint8_t(xrgb >> 8);
  p[l->b] = uint8_t(xrgb);
  p[x] = 0xff;
}

}  // namespace vugpu::frontend
