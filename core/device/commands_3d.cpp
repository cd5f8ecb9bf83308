// 3D commands, dispatched to the renderer's optional operations (NotSupported -> ERR_UNSPEC):
// contexts, 3D resources and transfers, SUBMIT_3D, capsets. Context ids are tracked here.
#include <algorithm>
#include <cstring>
#include <string_view>
#include "device/device_impl.hpp"

namespace vugpu {

Status Device::Impl::check_context(uint32_t ctx_id) {
  if (contexts_.count(ctx_id) == 0) return fail(Status::InvalidContextId, "no context {}", ctx_id);
  return Status::Ok;
}

Status Device::Impl::cmd_ctx_create(const protocol::Request& req) {
  virtio_gpu_ctx_create c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  const uint32_t ctx = c.hdr.ctx_id;
  if (ctx == 0) return fail(Status::InvalidContextId, "context id 0 is reserved");
  if (contexts_.count(ctx) != 0) return fail(Status::InvalidContextId, "context {} already exists", ctx);
  if (contexts_.size() >= settings_.limits.max_contexts)
    return fail(Status::OutOfMemory, "limit of {} contexts reached", settings_.limits.max_contexts);
  const size_t max_name = std::min<size_t>(c.nlen, sizeof c.debug_name);
  const std::string_view name(c.debug_name, strnlen(c.debug_name, max_name));
  if (Status s = renderer_.context_create(ctx, c.context_init, name); s != Status::Ok)
    return fail(s, "renderer refused context {}", ctx);
  contexts_.insert(ctx);
  return Status::Ok;
}

Status Device::Impl::cmd_ctx_destroy(const protocol::Request& req) {
  virtio_gpu_ctx_destroy c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  const uint32_t ctx = c.hdr.ctx_id;
  if (Status s = check_context(ctx); s != Status::Ok) return s;
  renderer_.context_destroy(ctx);
  contexts_.erase(ctx);
  // Its rings are gone: fences still waiting on them will never signal, so they end here.
  for (CommandQueue& cq : queues_)
    for (size_t i = 0; i < cq.executed; ++i)
      if (cq.commands[i].waiting_fence && cq.commands[i].timeline.ctx_id == ctx) cq.commands[i].waiting_fence = false;
  repump_ = true;
  return Status::Ok;
}

Status Device::Impl::cmd_ctx_resource(const protocol::Request& req, bool attach) {
  virtio_gpu_ctx_resource c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (Status s = check_context(c.hdr.ctx_id); s != Status::Ok) return s;
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  const Status s = attach ? renderer_.context_attach(c.hdr.ctx_id, *res) : renderer_.context_detach(c.hdr.ctx_id, *res);
  if (s != Status::Ok) return fail(s, "renderer failed for context {} and resource {}", c.hdr.ctx_id, res->id);
  return Status::Ok;
}

Status Device::Impl::cmd_resource_create_3d(const protocol::Request& req) {
  virtio_gpu_resource_create_3d c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (Status s = admit_new_resource(c.resource_id); s != Status::Ok) return s;
  Resource res;
  res.id = c.resource_id;
  res.is_3d = true;
  res.virtio_format = c.format;
  res.width = c.width;
  res.height = c.height;
  res.args3d = Resource3DArgs{c.target, c.format, c.bind, c.width, c.height, c.depth,
                              c.array_size, c.last_level, c.nr_samples, c.flags};
  // 3D sizes are the renderer's to check (a buffer's width is its byte size); the host memory
  // it reports is charged against the limit like any other.
  if (Status s = renderer_.create_3d(res); s != Status::Ok) return fail(s, "renderer refused resource {}", c.resource_id);
  return add_resource(std::move(res));
}

Status Device::Impl::cmd_transfer_3d(const protocol::Request& req, bool to_host) {
  virtio_gpu_transfer_host_3d c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (c.hdr.ctx_id != 0) {  // 0: the device's own context
    if (Status s = check_context(c.hdr.ctx_id); s != Status::Ok) return s;
  }
  const Transfer3D t{c.hdr.ctx_id, Box3D{c.box.x, c.box.y, c.box.z, c.box.w, c.box.h, c.box.d},
                     c.offset, c.level, c.stride, c.layer_stride};
  const Status s = to_host ? renderer_.transfer_to_host_3d(*res, t) : renderer_.transfer_from_host_3d(*res, t);
  if (s != Status::Ok) return fail(s, "renderer failed on resource {}", res->id);
  return Status::Ok;
}

Status Device::Impl::cmd_submit_3d(const protocol::Request& req) {
  virtio_gpu_cmd_submit c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (Status s = check_context(c.hdr.ctx_id); s != Status::Ok) return s;
  if (c.size > settings_.limits.max_submit_bytes)
    return fail(Status::OutOfMemory, "{} bytes exceed the limit of {}", c.size, settings_.limits.max_submit_bytes);
  // A private copy: the guest may change its buffer while the renderer parses it.
  submit_buffer_.resize(c.size);
  if (!req.read_at(sizeof c, submit_buffer_))
    return fail(Status::InvalidParameter, "{} bytes announced, {} follow", c.size, req.size() - sizeof c);
  if (Status s = renderer_.submit_3d(c.hdr.ctx_id, submit_buffer_); s != Status::Ok)
    return fail(s, "renderer failed on context {}", c.hdr.ctx_id);
  return Status::Ok;
}

Status Device::Impl::cmd_get_capset_info(const protocol::Request& req) {
  virtio_gpu_get_capset_info c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  const uint32_t count = renderer_features_.num_capsets;
  if (c.capset_index >= count) return fail(Status::InvalidParameter, "capset index {} (have {})", c.capset_index, count);
  CapsetInfo info;
  if (Status s = renderer_.capset_info(c.capset_index, info); s != Status::Ok) return fail(s, "renderer failed");
  auto resp = zeroed<virtio_gpu_resp_capset_info>();
  resp.capset_id = info.id;
  resp.capset_max_version = info.max_version;
  resp.capset_max_size = info.max_size;
  reply_.set(VIRTIO_GPU_RESP_OK_CAPSET_INFO, resp);
  return Status::Ok;
}

Status Device::Impl::cmd_get_capset(const protocol::Request& req) {
  virtio_gpu_get_capset c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  const uint32_t count = renderer_features_.num_capsets;
  CapsetInfo info;
  bool found = false;
  for (uint32_t i = 0; i < count && !found; ++i)
    found = renderer_.capset_info(i, info) == Status::Ok && info.id == c.capset_id;
  if (!found) return fail(Status::InvalidParameter, "no capset {}", c.capset_id);
  if (info.max_size == 0) return fail(Status::InvalidParameter, "capset {} is empty", c.capset_id);
  if (info.max_size > settings_.limits.max_capset_bytes)
    return fail(Status::OutOfMemory, "capset {} has {} bytes, limit {}", c.capset_id, info.max_size, settings_.limits.max_capset_bytes);
  // Zeroed first: whatever the renderer leaves unwritten goes to the guest as zero.
  std::span<uint8_t> data = reply_.data(VIRTIO_GPU_RESP_OK_CAPSET, sizeof(virtio_gpu_ctrl_hdr) + info.max_size);
  if (Status s = renderer_.capset(c.capset_id, c.capset_version, data.subspan(sizeof(virtio_gpu_ctrl_hdr))); s != Status::Ok)
    return fail(s, "renderer failed on capset {} version {}", c.capset_id, c.capset_version);
  return Status::Ok;
}

}  // namespace vugpu
