// Resource commands: create 2D, unref, attach/detach backing, transfer to host 2D.
#include <algorithm>
#include "device/device_impl.hpp"
#include "vugpu/format.hpp"

namespace vugpu {

namespace {

// Joins neighbours that are contiguous in host memory (a guest's physically contiguous pages
// usually are), so a renderer copies longer runs.
void merge_contiguous(std::vector<iovec>& v) {
  if (v.empty()) return;
  size_t out = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    iovec& last = v[out];
    if (static_cast<uint8_t*>(last.iov_base) + last.iov_len == v[i].iov_base) {
      last.iov_len += v[i].iov_len;
    } else {
      v[++out] = v[i];
    }
  }
  v.resize(out + 1);
  v.shrink_to_fit();
}

}  // namespace

Status Device::Impl::admit_new_resource(uint32_t id) {
  if (id == 0) return fail(Status::InvalidResourceId, "resource id 0 is reserved");
  if (resources_.find(id) != nullptr) return fail(Status::InvalidResourceId, "resource {} already exists", id);
  if (resources_.full())
    return fail(Status::OutOfMemory, "limit of {} resources reached", settings_.limits.max_resources);
  return Status::Ok;
}

// Takes a resource the renderer created; refuses it (and lets the renderer destroy it) when
// the host memory it reports does not fit the limit.
Status Device::Impl::add_resource(Resource&& res) {
  if (!resources_.fits(res.host_bytes)) {
    renderer_.destroy(res);
    return fail(Status::OutOfMemory, "resource {} needs {} host bytes; {} of {} in use", res.id, res.host_bytes,
                resources_.charged_bytes(), settings_.limits.host_memory_bytes);
  }
  resources_.add(std::move(res));
  return Status::Ok;
}

Status Device::Impl::cmd_resource_create_2d(const protocol::Request& req) {
  virtio_gpu_resource_create_2d c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (Status s = admit_new_resource(c.resource_id); s != Status::Ok) return s;
  const std::optional<uint32_t> fourcc = fourcc_from_virtio(c.format);
  if (!fourcc) return fail(Status::InvalidParameter, "unknown format {}", c.format);
  const uint32_t max = settings_.limits.max_dimension;
  if (c.width == 0 || c.height == 0 || c.width > max || c.height > max)
    return fail(Status::InvalidParameter, "size {}x{} outside 1..{}", c.width, c.height, max);
  // Check the obvious cost before the renderer allocates anything.
  uint64_t estimate = 0;
  if (__builtin_mul_overflow(uint64_t{c.width} * c.height, kBytesPerPixel, &estimate) || !resources_.fits(estimate))
    return fail(Status::OutOfMemory, "{}x{} does not fit the host memory limit ({} of {} bytes in use)", c.width,
                c.height, resources_.charged_bytes(), settings_.limits.host_memory_bytes);

  Resource res;
  res.id = c.resource_id;
  res.virtio_format = c.format;
  res.fourcc = *fourcc;
  res.width = c.width;
  res.height = c.height;
  if (Status s = renderer_.create_2d(res); s != Status::Ok) return fail(s, "renderer refused {}x{}", c.width, c.height);
  return add_resource(std::move(res));
}

void Device::Impl::drop_backing(Resource& res) {
  if (!resources_.has_backing(res.id)) return;
  if (BlobResource* blob = find_blob(res.id)) {
    drop_blob_view(*blob);
    resources_.set_backing(res.id, false, 0);
    return;
  }
  renderer_.detach_backing(res);
  res.backing.clear();
  res.backing.shrink_to_fit();
  res.backing_size = 0;
  resources_.set_backing(res.id, false, 0);
}

void Device::Impl::destroy_resource(Resource& res) {
  const uint32_t id = res.id;
  for (uint32_t i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; ++i)
    if (scanouts_[i].resource_id == id) disable_scanout(i);
  // The cursor image was copied when it was set: it stays on screen, only the reference goes.
  if (cursor_.resource_id == id) cursor_.resource_id = 0;
  drop_backing(res);
  if (blobs_.erase(id) == 0) renderer_.destroy(res);  // a blob has nothing of the renderer's
  res.renderer_state.reset();
  resources_.remove(id);
}

Status Device::Impl::cmd_resource_unref(const protocol::Request& req) {
  virtio_gpu_resource_unref c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  destroy_resource(*res);
  return Status::Ok;
}

Status Device::Impl::cmd_attach_backing(const protocol::Request& req) {
  virtio_gpu_resource_attach_backing c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (BlobResource* blob = find_blob(c.resource_id)) return blob_attach_backing(req, *res, *blob);
  if (resources_.has_backing(c.resource_id)) return fail(Status::Unspec, "resource {} already has a backing", c.resource_id);
  if (c.nr_entries == 0) return fail(Status::InvalidParameter, "no entries");
  // Limits first, before a single entry is read.
  if (c.nr_entries > settings_.limits.max_backing_entries)
    return fail(Status::OutOfMemory, "{} entries exceed the limit of {}", c.nr_entries, settings_.limits.max_backing_entries);
  const uint64_t bookkeeping = uint64_t{c.nr_entries} * sizeof(iovec);
  if (!resources_.fits(bookkeeping)) return fail(Status::OutOfMemory, "{} entries do not fit the host memory limit", c.nr_entries);
  const uint64_t entry_bytes = uint64_t{c.nr_entries} * sizeof(virtio_gpu_mem_entry);
  if (req.size() - sizeof c < entry_bytes)
    return fail(Status::Unspec, "{} entries announced, {} bytes follow", c.nr_entries, req.size() - sizeof c);

  std::vector<iovec> backing;
  backing.reserve(c.nr_entries);
  uint64_t total = 0;
  protocol::PayloadReader entries(req.buffers(), sizeof c);
  const size_t max_pieces = std::max<size_t>(1, memory_.region_count());  // an entry splits where regions meet
  for (uint32_t i = 0; i < c.nr_entries; ++i) {
    virtio_gpu_mem_entry e;
    if (!entries.read(e)) return fail(Status::Unspec, "entry {} unreadable", i);
    if (!memory_.translate_append(e.addr, e.length, backing, max_pieces))
      return fail(Status::InvalidParameter, "entry {} [{:#x}, +{:#x}) is outside guest memory", i, e.addr, e.length);
    if (__builtin_add_overflow(total, uint64_t{e.length}, &total)) return fail(Status::InvalidParameter, "backing size overflows");
  }
  merge_contiguous(backing);
  const uint64_t cost = backing.size() * sizeof(iovec);
  if (cost > bookkeeping && !resources_.fits(cost)) return fail(Status::OutOfMemory, "backing does not fit the host memory limit");

  res->backing = std::move(backing);
  res->backing_size = total;
  resources_.set_backing(res->id, true, cost);
  if (Status s = renderer_.attach_backing(*res); s != Status::Ok) {
    res->backing.clear();
    res->backing_size = 0;
    resources_.set_backing(res->id, false, 0);
    return fail(s, "renderer refused the backing of resource {}", res->id);
  }
  return Status::Ok;
}

Status Device::Impl::cmd_detach_backing(const protocol::Request& req) {
  virtio_gpu_resource_detach_backing c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (!resources_.has_backing(c.resource_id)) return fail(Status::Unspec, "resource {} has no backing", c.resource_id);
  drop_backing(*res);
  return Status::Ok;
}

Status Device::Impl::cmd_transfer_to_host_2d(const protocol::Request& req) {
  virtio_gpu_transfer_to_host_2d c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (BlobResource* blob = find_blob(res->id)) {
    // Linux sends one before every flush of a blob (its cursor's is fenced): the host reads the
    // guest's pages in place, so there is nothing to copy (QEMU answers OK the same way).
    if (!blob->view) return fail(Status::Unspec, "blob {} has no backing", res->id);
    Rect r;
    if (res->width != 0)
      if (Status s = rect_inside(c.r, *res, r); s != Status::Ok) return s;
    if (c.offset >= blob->size) return fail(Status::InvalidParameter, "offset {} outside the {} byte blob", c.offset, blob->size);
    return Status::Ok;
  }
  Rect r;
  if (Status s = rect_inside(c.r, *res, r); s != Status::Ok) return s;
  if (!resources_.has_backing(res->id)) return fail(Status::Unspec, "resource {} has no backing", res->id);
  if (r.empty()) return Status::Ok;
  // Linux's layout: row h of the rect starts at offset + h * stride, stride = width * 4.
  const uint64_t stride = uint64_t{res->width} * kBytesPerPixel;
  uint64_t span = 0, end = 0;
  if (__builtin_mul_overflow(uint64_t{r.height} - 1, stride, &span) ||
      __builtin_add_overflow(span, uint64_t{r.width} * kBytesPerPixel, &span) ||
      __builtin_add_overflow(c.offset, span, &end) || end > res->backing_size)
    return fail(Status::InvalidParameter, "offset {} + {} rows of stride {} exceed the {} byte backing", c.offset, r.height,
                stride, res->backing_size);
  if (Status s = renderer_.transfer_to_host_2d(*res, r, c.offset); s != Status::Ok) return fail(s, "renderer failed");
  return Status::Ok;
}

}  // namespace vugpu
