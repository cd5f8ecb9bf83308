// Guest blobs (VIRTIO_GPU_F_RESOURCE_BLOB, blob_mem GUEST): RESOURCE_CREATE_BLOB, blob backing
// attach/detach, SET_SCANOUT_BLOB, RESOURCE_FLUSH of a blob scanout (0 bytes copied by the
// device), MAP/UNMAP_BLOB (refused: a guest blob is guest memory already), and what a change of
// the guest memory map does to blob views.
//
// The device validates; the BlobProvider plugin only builds views. Every size and offset a
// guest sends is checked with 64-bit arithmetic that cannot wrap. A view is shared between the
// blob and every frame a presenter still reads: UNREF or DETACH_BACKING while a presenter reads
// drops only the blob's reference; the pages stay mapped until the last release. Such a view
// still counts against [limits] max_blob_views / max_blob_mappings (it is still mapped): a
// view over either limit is refused with ERR_OUT_OF_MEMORY before the provider makes it.
#include <algorithm>
#include "device/device_impl.hpp"
#include "vugpu/format.hpp"

namespace vugpu {

namespace {

constexpr uint32_t kKnownBlobFlags = VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE | VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE;
constexpr uint32_t kCursor = CursorImage::kSize;

// a * b + c without wrapping; false when it would.
bool mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t& out) {
  uint64_t m = 0;
  return !__builtin_mul_overflow(a, b, &m) && !__builtin_add_overflow(m, c, &out);
}

}  // namespace

Status Device::Impl::blobs_refused() {
  if (!blobs_refusal_noted_) {
    blobs_refusal_noted_ = true;
    if (blob_provider_ != nullptr)
      host_.log().warn("blob commands are not supported with a 3D renderer yet: they answer ERR_UNSPEC");
    else
      host_.log().info("blob commands answer ERR_UNSPEC: no blob provider is configured (blob = \"blob.guest\")");
  }
  return fail(Status::Unspec, "blob resources are not served by this device");
}

BlobResource* Device::Impl::find_blob(uint32_t id) {
  auto it = blobs_.find(id);
  return it == blobs_.end() ? nullptr : &it->second;
}

Status Device::Impl::read_blob_entries(const protocol::Request& req, uint64_t payload_offset, uint32_t nr_entries,
                                       uint64_t size, std::vector<virtio_gpu_mem_entry>& out) {
  // Limits first, before a single entry is read.
  if (nr_entries > settings_.limits.max_backing_entries)
    return fail(Status::OutOfMemory, "{} entries exceed the limit of {}", nr_entries, settings_.limits.max_backing_entries);
  const uint64_t entry_bytes = uint64_t{nr_entries} * sizeof(virtio_gpu_mem_entry);
  if (req.size() < payload_offset || req.size() - payload_offset < entry_bytes)
    return fail(Status::Unspec, "{} entries announced, {} bytes follow", nr_entries,
                req.size() < payload_offset ? 0 : req.size() - payload_offset);
  if (!resources_.fits(entry_bytes)) return fail(Status::OutOfMemory, "{} entries do not fit the host memory limit", nr_entries);
  out.clear();
  out.reserve(nr_entries);
  uint64_t total = 0;
  protocol::PayloadReader reader(req.buffers(), payload_offset);
  for (uint32_t i = 0; i < nr_entries; ++i) {
    virtio_gpu_mem_entry e;
    if (!reader.read(e)) return fail(Status::Unspec, "entry {} unreadable", i);
    uint64_t end = 0;
    if (e.length == 0) return fail(Status::InvalidParameter, "entry {} is empty", i);
    if (__builtin_add_overflow(e.addr, uint64_t{e.length}, &end))
      return fail(Status::InvalidParameter, "entry {} [{:#x}, +{:#x}) wraps the address space", i, e.addr, e.length);
    if (memory_.translate(e.addr, e.length, std::max<size_t>(1, memory_.region_count())) == std::nullopt)
      return fail(Status::InvalidParameter, "entry {} [{:#x}, +{:#x}) is outside guest memory", i, e.addr, e.length);
    if (__builtin_add_overflow(total, uint64_t{e.length}, &total)) return fail(Status::InvalidParameter, "entry sizes overflow");
    out.push_back(e);
  }
  if (total != size) return fail(Status::InvalidParameter, "entries hold {} bytes, the blob is {}", total, size);
  // Two entries naming the same guest byte would show one page twice (and udmabuf refuses it).
  std::vector<virtio_gpu_mem_entry> sorted = out;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.addr < b.addr; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i - 1].addr + sorted[i - 1].length > sorted[i].addr)  // no wrap: checked above
      return fail(Status::InvalidParameter, "entries [{:#x}, +{:#x}) and [{:#x}, +{:#x}) overlap", sorted[i - 1].addr,
                  sorted[i - 1].length, sorted[i].addr, sorted[i].length);
  return Status::Ok;
}

Status Device::Impl::make_blob_view(Resource& res, BlobResource& blob, std::vector<virtio_gpu_mem_entry> entries) {
  std::vector<GuestPiece> pieces;
  pieces.reserve(entries.size());
  const size_t per_entry = std::max<size_t>(1, memory_.region_count());
  for (const auto& e : entries)
    if (!memory_.translate_pieces(e.addr, e.length, pieces, per_entry))
      return fail(Status::InvalidParameter, "entry [{:#x}, +{:#x}) is outside guest memory", e.addr, e.length);
  // Kernel resources before the provider makes any: live views (with those presenters still
  // read after an UNREF) and the mappings they may hold (blob_view_budget.hpp).
  switch (blob_views_.check(pieces.size())) {
    case BlobViewBudget::Refusal::Views:
      return fail(Status::OutOfMemory, "blob {}: {} blob views are alive, the limit (max_blob_views)", res.id,
                  blob_views_.views());
    case BlobViewBudget::Refusal::Mappings:
      return fail(Status::OutOfMemory, "blob {}: {} more mappings on top of {} exceed max_blob_mappings = {}", res.id,
                  pieces.size(), blob_views_.mappings(), blob_views_.max_mappings());
    case BlobViewBudget::Refusal::None: break;
  }
  std::shared_ptr<BlobView> view = blob_views_.make(pieces.size());  // destroyed by core code only
  if (Status s = blob_provider_->make_view(res.id, pieces, blob.size, *view); s != Status::Ok)
    return fail(s, "no view of blob {} ({} bytes in {} pieces)", res.id, blob.size, pieces.size());
  if (view->data == nullptr || view->size < blob.size)
    return fail(Status::Unspec, "the blob provider's view of blob {} is smaller than the blob", res.id);
  const uint64_t cost = entries.size() * sizeof(virtio_gpu_mem_entry) + pieces.size() * sizeof(GuestPiece) +
                        view->gather.size() + view->pieces.size() * sizeof(GuestPiece);
  if (!resources_.fits(cost)) return fail(Status::OutOfMemory, "blob {} does not fit the host memory limit", res.id);
  blob.entries = std::move(entries);
  blob.pieces = std::move(pieces);
  blob.view = std::move(view);
  resources_.set_backing(res.id, true, cost);
  return Status::Ok;
}

void Device::Impl::drop_blob_view(BlobResource& blob) {
  blob.view.reset();  // a frame a presenter still reads keeps its own reference
  blob.entries.clear();
  blob.pieces.clear();
}

Status Device::Impl::cmd_resource_create_blob(const protocol::Request& req) {
  virtio_gpu_resource_create_blob c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (!blobs_served()) return blobs_refused();
  if (Status s = admit_new_resource(c.resource_id); s != Status::Ok) return s;
  if (c.blob_mem != VIRTIO_GPU_BLOB_MEM_GUEST)
    return fail(Status::InvalidParameter, "blob_mem {} needs a 3D renderer that serves host blobs", c.blob_mem);
  if ((c.blob_flags & ~kKnownBlobFlags) != 0)
    return fail(Status::InvalidParameter, "blob flags {:#x} (CROSS_DEVICE or unknown) are not served", c.blob_flags);
  if (c.size == 0) return fail(Status::InvalidParameter, "empty blob");

  BlobResource blob;
  blob.blob_mem = c.blob_mem;
  blob.flags = c.blob_flags;
  blob.size = c.size;
  std::vector<virtio_gpu_mem_entry> entries;
  if (c.nr_entries != 0)
    if (Status s = read_blob_entries(req, sizeof c, c.nr_entries, c.size, entries); s != Status::Ok) return s;

  Resource res;
  res.id = c.resource_id;
  Resource& added = resources_.add(std::move(res));
  BlobResource& stored = blobs_[added.id] = std::move(blob);
  if (c.nr_entries != 0) {
    if (Status s = make_blob_view(added, stored, std::move(entries)); s != Status::Ok) {
      blobs_.erase(c.resource_id);
      resources_.remove(c.resource_id);
      return s;
    }
  }
  ++stats_.blob_resources_created;
  return Status::Ok;
}

Status Device::Impl::blob_attach_backing(const protocol::Request& req, Resource& res, BlobResource& blob) {
  virtio_gpu_resource_attach_backing c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (blob.view) return fail(Status::Unspec, "blob {} already has a backing", res.id);
  if (c.nr_entries == 0) return fail(Status::InvalidParameter, "no entries");
  std::vector<virtio_gpu_mem_entry> entries;
  if (Status s = read_blob_entries(req, sizeof c, c.nr_entries, blob.size, entries); s != Status::Ok) return s;
  return make_blob_view(res, blob, std::move(entries));
}

Status Device::Impl::cmd_set_scanout_blob(const protocol::Request& req) {
  virtio_gpu_set_scanout_blob c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (!blobs_served()) return blobs_refused();
  if (Status s = check_scanout_id(c.scanout_id); s != Status::Ok) return s;
  if (c.resource_id == 0) {  // disables the scanout, as SET_SCANOUT with resource 0
    disable_scanout(c.scanout_id);
    return Status::Ok;
  }
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  BlobResource* blob = find_blob(c.resource_id);
  if (blob == nullptr) return fail(Status::InvalidParameter, "resource {} is not a blob", c.resource_id);
  if (!blob->view) return fail(Status::Unspec, "blob {} has no backing", c.resource_id);
  const std::optional<uint32_t> fourcc = fourcc_from_virtio(c.format);
  if (!fourcc) return fail(Status::InvalidParameter, "unknown format {}", c.format);
  const uint32_t max = settings_.limits.max_dimension;
  if (c.width == 0 || c.height == 0 || c.width > max || c.height > max)
    return fail(Status::InvalidParameter, "framebuffer {}x{} outside 1..{}", c.width, c.height, max);
  const Rect r{c.r.x, c.r.y, c.r.width, c.r.height};
  if (r.empty() || !r.inside(c.width, c.height))
    return fail(Status::InvalidParameter, "rect {}x{}+{}+{} is empty or outside the {}x{} framebuffer", r.width, r.height,
                r.x, r.y, c.width, c.height);
  const uint64_t stride = c.strides[0], offset = c.offsets[0], row = uint64_t{c.width} * kBytesPerPixel;
  if (stride < row) return fail(Status::InvalidParameter, "stride {} is shorter than a row of {} bytes", stride, row);
  // QEMU's check (64-bit: its 32-bit version was a bug): offset + r.y*stride + r.x*bpp + stride*r.height <= size.
  uint64_t shown_end = 0, fb_end = 0;
  const bool shown_ok = mul_add(r.y, stride, offset, shown_end) &&
                        !__builtin_add_overflow(shown_end, uint64_t{r.x} * kBytesPerPixel, &shown_end) &&
                        mul_add(stride, r.height, shown_end, shown_end) && shown_end <= blob->size;
  // And the whole framebuffer, which presenters may read (a dmabuf importer does).
  const bool fb_ok = mul_add(stride, uint64_t{c.height} - 1, offset, fb_end) &&
                     !__builtin_add_overflow(fb_end, row, &fb_end) && fb_end <= blob->size;
  if (!shown_ok || !fb_ok)
    return fail(Status::InvalidParameter, "{}x{} framebuffer at offset {} with stride {} does not fit the {} byte blob",
                c.width, c.height, offset, stride, blob->size);

  res->width = c.width;
  res->height = c.height;
  res->fourcc = *fourcc;
  res->virtio_format = c.format;
  ScanoutState& s = scanouts_[c.scanout_id];
  s.resource_id = c.resource_id;
  s.view = r;
  s.blob = BlobLayout{true, c.width, c.height, *fourcc, c.strides[0], offset};
  announce(c.scanout_id, DisplayMode{r.width, r.height, true});
  ++stats_.blob_scanouts_set;
  return Status::Ok;
}

Status Device::Impl::cmd_map_blob(const protocol::Request& req) {
  virtio_gpu_resource_unmap_blob c;  // MAP_BLOB starts the same way: header, resource_id
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (!blobs_served()) return blobs_refused();
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (find_blob(c.resource_id) == nullptr) return fail(Status::InvalidParameter, "resource {} is not a blob", c.resource_id);
  return fail(Status::InvalidParameter, "blob {} lives in guest memory: there is no host memory to map", c.resource_id);
}

Status Device::Impl::blob_flush(Resource& res, BlobResource& blob, const Rect& r) {
  std::vector<uint32_t> shown;
  for (uint32_t i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; ++i)
    if (scanouts_[i].resource_id == res.id && scanouts_[i].blob.active) shown.push_back(i);
  if (shown.empty() || presenters_.empty()) return Status::Ok;
  if (!blob.view) return fail(Status::Unspec, "blob {} has no backing", res.id);
  BlobView& view = *blob.view;

  auto counter = std::make_shared<ReleaseCounter>();
  counter->keep_alive = blob.view;  // until the last presenter released this frame
  for (uint32_t i : shown) {
    const ScanoutState& s = scanouts_[i];
    const BlobLayout& fb = s.blob;
    const Rect damage = r.intersected(s.view);
    if (damage.empty()) continue;
    // Bytes presenters read: the damaged rows (inside the blob: checked at SET_SCANOUT_BLOB).
    const uint64_t first = fb.offset + uint64_t{damage.y} * fb.stride + uint64_t{damage.x} * kBytesPerPixel;
    const uint64_t last = fb.offset + (damage.bottom() - 1) * fb.stride + damage.right() * kBytesPerPixel;
    if (Status st = blob_provider_->prepare_read(view, first, last - first); st != Status::Ok)
      return fail(st, "blob {} could not be read", res.id);
    Frame frame;
    frame.resource_id = res.id;
    frame.width = fb.width;
    frame.height = fb.height;
    frame.stride = fb.stride;
    frame.fourcc = fb.fourcc;
    frame.modifier = 0;  // DRM_FORMAT_MOD_LINEAR
    frame.pixels = view.data + fb.offset;
    if (view.dmabuf && fb.offset <= UINT32_MAX) {
      frame.dmabuf_fd = view.dmabuf.get();
      frame.dmabuf_offset = static_cast<uint32_t>(fb.offset);
    }
    frame.view = s.view;
    const Rect local{damage.x - s.view.x, damage.y - s.view.y, damage.width, damage.height};
    for (Presenter* p : presenters_) {
      p->present(i, frame, local, make_release(counter));
      ++stats_.frames_presented;
      ++stats_.blob_frames_presented;
    }
  }
  if (counter->outstanding.fetch_sub(1) != 1) waiting_release_ = std::move(counter);
  return Status::Ok;
}

Status Device::Impl::blob_cursor_frame(Resource& res, BlobResource& blob, Frame& out) {
  // Linux's cursor is a 64x64 ARGB8888 dumb buffer: a blob the guest never puts on a scanout,
  // read from its start with a stride of 64 pixels (as QEMU reads it).
  constexpr uint64_t kBytes = uint64_t{kCursor} * kCursor * kBytesPerPixel;
  if (!blob.view) return fail(Status::Unspec, "cursor blob {} has no backing", res.id);
  if (blob.size < kBytes) return fail(Status::InvalidParameter, "cursor blob {} holds {} bytes, not 64x64 pixels", res.id, blob.size);
  if (Status s = blob_provider_->prepare_read(*blob.view, 0, kBytes); s != Status::Ok)
    return fail(s, "cursor blob {} could not be read", res.id);
  out.resource_id = res.id;
  out.width = out.height = kCursor;
  out.stride = kCursor * kBytesPerPixel;
  out.fourcc = res.fourcc != 0 ? res.fourcc : DRM_FORMAT_ARGB8888;
  out.pixels = blob.view->data;
  out.view = Rect{0, 0, kCursor, kCursor};
  return Status::Ok;
}

void Device::Impl::memory_changed() {
  // A blob whose pages are no longer guest memory (or moved) loses its view: showing it would
  // show memory the guest gave up. Frames presenters still hold keep their own reference.
  for (auto& [id, blob] : blobs_) {
    if (!blob.view) continue;
    std::vector<GuestPiece> now;
    bool same = true;
    const size_t per_entry = std::max<size_t>(1, memory_.region_count());
    for (const auto& e : blob.entries)
      if (!memory_.translate_pieces(e.addr, e.length, now, per_entry)) same = false;
    same = same && now.size() == blob.pieces.size();
    for (size_t i = 0; same && i < now.size(); ++i)
      same = now[i].host == blob.pieces[i].host && now[i].length == blob.pieces[i].length;
    if (same) continue;
    host_.log().warn("blob {}: its guest memory was removed; the blob has no backing any more", id);
    drop_blob_view(blob);
    resources_.set_backing(id, false, 0);
    for (uint32_t i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; ++i)
      if (scanouts_[i].resource_id == id) disable_scanout(i);
  }
}

}  // namespace vugpu
