// Resources: create (2D and 3D), destroy, guest backing, transfers. Device loop thread.
#include <cstdint>
#include <new>
#include "resource_cost.hpp"
#include "resource_state.hpp"
#include "virgl_api.hpp"
#include "virgl_renderer.hpp"
#include "vugpu/format.hpp"

namespace vugpu::virgl {

namespace {

// virglrenderer reads boxes and levels as signed ints: anything past INT32_MAX would turn
// negative inside it.
bool fits_int32(const Box3D& b, uint32_t level) {
  constexpr uint64_t kMax = INT32_MAX;
  return level <= kMax && uint64_t{b.x} + b.w <= kMax && uint64_t{b.y} + b.h <= kMax && uint64_t{b.z} + b.d <= kMax;
}

bool shows_as_2d(const Resource3DArgs& a) {
  return (a.target == kPipeTexture2D || a.target == kPipeTextureRect) && fourcc_from_virtio(a.format).has_value();
}

}  // namespace

Status VirglRenderer::create_resource(Resource& res, const Resource3DArgs& args) {
  if (res.id == 0) return Status::InvalidResourceId;
  if (res.renderer_state) return Status::InvalidResourceId;  // already has host storage
  virgl_renderer_resource_info existing{};
  if (virgl_renderer_resource_get_info(int(res.id), &existing) == 0) {
    // 0.10.4 would silently replace (and leak) a resource of the same id.
    return Status::InvalidResourceId;
  }

  virgl_renderer_resource_create_args create{};
  create.handle = res.id;
  create.target = args.target;
  create.format = args.format;
  create.bind = args.bind;
  create.width = args.width;
  create.height = args.height;
  create.depth = args.depth;
  create.array_size = args.array_size;
  create.last_level = args.last_level;
  create.nr_samples = args.nr_samples;
  create.flags = args.flags;
  if (const int ret = virgl_renderer_resource_create(&create, nullptr, 0); ret != 0) {
    host_.log().debug("resource {} refused by virglrenderer (target {} format {} bind {:#x} "
                      "{}x{}x{}): error {}", res.id, args.target, args.format, args.bind, args.width,
                      args.height, args.depth, ret);
    return status_from_virgl(ret);
  }

  try {
    res.renderer_state = std::make_unique<VirglResourceState>(library_, res.id);
  } catch (const std::bad_alloc&) {
    virgl_renderer_resource_unref(res.id);
    return Status::OutOfMemory;
  }

  virgl_renderer_resource_info info{};
  virgl_renderer_resource_get_info(int(res.id), &info);
  uint64_t bytes = texture_bytes(args, info.stride, args.target == kPipeBuffer);
  if (shows_as_2d(args)) bytes = saturating_sum(bytes, readback_bytes(args.width, args.height));
  res.host_bytes = bytes;
  return Status::Ok;
}

Status VirglRenderer::create_2d(Resource& res) {
  if (!on_device_thread("create_2d")) return Status::Unspec;
  // A 2D resource is a render-target texture whose row 0 is the top, as QEMU makes it: guests
  // scan these out and read them back with the same layout they wrote.
  Resource3DArgs args;
  args.target = kPipeTexture2D;
  args.format = res.virtio_format;
  args.bind = kBindRenderTarget;
  args.width = res.width;
  args.height = res.height;
  args.depth = 1;
  args.array_size = 1;
  args.flags = kResourceY0Top;
  return create_resource(res, args);
}

Status VirglRenderer::create_3d(Resource& res) {
  if (!on_device_thread("create_3d")) return Status::Unspec;
  return create_resource(res, res.args3d);
}

void VirglRenderer::destroy(Resource& res) {
  if (!on_device_thread("destroy")) return;
  if (auto* st = state_of(res)) st->release();
}

Status VirglRenderer::attach_backing(Resource& res) {
  if (!on_device_thread("attach_backing")) return Status::Unspec;
  auto* st = state_of(res);
  if (!st) return Status::InvalidResourceId;
  return st->attach_backing(res.backing);
}

void VirglRenderer::detach_backing(Resource& res) {
  if (!on_device_thread("detach_backing")) return;
  if (auto* st = state_of(res)) st->detach_backing();
}

Status VirglRenderer::transfer_to_host_2d(Resource& res, const Rect& rect, uint64_t offset) {
  if (!on_device_thread("transfer_to_host_2d")) return Status::Unspec;
  Transfer3D t;
  t.box = Box3D{rect.x, rect.y, 0, rect.width, rect.height, 1};
  t.offset = offset;  // stride 0: virglrenderer uses the resource's own row pitch
  return transfer_3d(res, t, true);
}

Status VirglRenderer::transfer_to_host_3d(Resource& res, const Transfer3D& t) {
  if (!on_device_thread("transfer_to_host_3d")) return Status::Unspec;
  return transfer_3d(res, t, true);
}

Status VirglRenderer::transfer_from_host_3d(Resource& res, const Transfer3D& t) {
  if (!on_device_thread("transfer_from_host_3d")) return Status::Unspec;
  return transfer_3d(res, t, false);
}

Status VirglRenderer::transfer_3d(Resource& res, const Transfer3D& t, bool to_host) {
  auto* st = state_of(res);
  if (!st) return Status::InvalidResourceId;
  if (!st->has_backing()) return Status::Unspec;  // nothing to copy from or into
  if (!fits_int32(t.box, t.level)) return Status::InvalidParameter;
  virgl_box box{t.box.x, t.box.y, t.box.z, t.box.w, t.box.h, t.box.d};
  // Null iovec: virglrenderer uses the backing attached to the resource, checking the
  // transfer against its size.
  const int ret = to_host ? virgl_renderer_transfer_write_iov(res.id, t.ctx_id, int(t.level), t.stride,
                                                               t.layer_stride, &box, t.offset, nullptr, 0)
                          : virgl_renderer_transfer_read_iov(res.id, t.ctx_id, t.level, t.stride,
                                                              t.layer_stride, &box, t.offset, nullptr, 0);
  if (ret != 0)
    host_.log().debug("transfer {} host on resource {} failed: error {}", to_host ? "to" : "from",
                      res.id, ret);
  return status_from_virgl(ret);
}

}  // namespace vugpu::virgl
