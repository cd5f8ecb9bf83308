// The cursor queue: UPDATE_CURSOR (a 64x64 resource becomes the cursor image) and MOVE_CURSOR.
#include "device/device_impl.hpp"
#include "vugpu/format.hpp"

namespace vugpu {

namespace {

constexpr uint32_t kCursor = CursorImage::kSize;

// Copies a 64x64 frame into premultiplied ARGB8888 rows of 64 pixels. The cursor plane is
// ARGB8888, but Linux creates every dumb buffer as XRGB8888 (B8G8R8X8), the cursor's too: the
// padding byte of an X format is the cursor's alpha (QEMU reads it the same way), so X formats
// are read as their A twins.
bool copy_cursor(const Frame& f, std::array<uint32_t, kCursor * kCursor>& out) {
  const std::optional<ChannelOffsets> ch = channel_offsets(f.fourcc);
  if (!ch || f.pixels == nullptr || f.stride < kCursor * 4) return false;
  const int alpha = ch->a >= 0 ? ch->a : 6 - ch->r - ch->g - ch->b;  // the byte r, g, b leave
  for (uint32_t y = 0; y < kCursor; ++y) {
    const uint8_t* row = f.pixels + uint64_t{f.y0_top ? y : kCursor - 1 - y} * f.stride;
    uint32_t* dst = &out[y * kCursor];
    if (f.fourcc == DRM_FORMAT_ARGB8888 || f.fourcc == DRM_FORMAT_XRGB8888) {
      std::memcpy(dst, row, kCursor * 4);
      continue;
    }
    for (uint32_t x = 0; x < kCursor; ++x) {
      const uint8_t* px = row + x * 4;
      const uint32_t a = px[alpha];
      dst[x] = (a << 24) | (uint32_t{px[ch->r]} << 16) | (uint32_t{px[ch->g]} << 8) | px[ch->b];
    }
  }
  return true;
}

}  // namespace

Status Device::Impl::cmd_update_cursor(const protocol::Request& req) {
  virtio_gpu_update_cursor c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (Status s = check_scanout_id(c.pos.scanout_id); s != Status::Ok) return s;
  if (c.resource_id == 0) {  // hide
    cursor_.resource_id = 0;
    cursor_.visible = false;
    cursor_.scanout_id = c.pos.scanout_id;
    for (Presenter* p : presenters_) p->cursor_update(c.pos.scanout_id, c.pos.x, c.pos.y, nullptr);
    return Status::Ok;
  }
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  BlobResource* blob = find_blob(res->id);
  if (blob == nullptr && (res->width != kCursor || res->height != kCursor))
    return fail(Status::InvalidParameter, "cursor resource {} is {}x{}, not 64x64", res->id, res->width, res->height);
  if (c.hot_x >= kCursor || c.hot_y >= kCursor)
    return fail(Status::InvalidParameter, "hot spot {},{} outside the cursor", c.hot_x, c.hot_y);
  Frame frame;
  if (blob != nullptr) {  // a blob's pages are read in place (copied into the cursor image below)
    if (Status s = blob_cursor_frame(*res, *blob, frame); s != Status::Ok) return s;
  } else if (Status s = renderer_.frame(*res, Rect{0, 0, kCursor, kCursor}, frame); s != Status::Ok) {
    return fail(s, "renderer has no frame for resource {}", res->id);
  }
  if (!copy_cursor(frame, cursor_.argb)) return fail(Status::Unspec, "resource {} has no CPU pixels in a 2D format", res->id);
  cursor_.resource_id = res->id;
  cursor_.scanout_id = c.pos.scanout_id;
  cursor_.hot_x = c.hot_x;
  cursor_.hot_y = c.hot_y;
  cursor_.visible = true;
  const CursorImage image{c.hot_x, c.hot_y, cursor_.argb.data()};
  for (Presenter* p : presenters_) p->cursor_update(c.pos.scanout_id, c.pos.x, c.pos.y, &image);
  return Status::Ok;
}

Status Device::Impl::cmd_move_cursor(const protocol::Request& req) {
  virtio_gpu_update_cursor c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (Status s = check_scanout_id(c.pos.scanout_id); s != Status::Ok) return s;
  cursor_.scanout_id = c.pos.scanout_id;
  // The guest names the cursor's resource in every move; 0 means "no cursor" and hides it, as in
  // both of QEMU's devices (CURSOR_POS_HIDE). A move naming a resource after that shows the
  // last image again.
  if (c.resource_id == 0) {
    cursor_.visible = false;
    for (Presenter* p : presenters_) p->cursor_update(c.pos.scanout_id, c.pos.x, c.pos.y, nullptr);
  } else if (!cursor_.visible && cursor_.resource_id != 0) {
    cursor_.visible = true;
    const CursorImage image{cursor_.hot_x, cursor_.hot_y, cursor_.argb.data()};
    for (Presenter* p : presenters_) p->cursor_update(c.pos.scanout_id, c.pos.x, c.pos.y, &image);
  } else {
    for (Presenter* p : presenters_) p->cursor_move(c.pos.scanout_id, c.pos.x, c.pos.y);
  }
  return Status::Ok;
}

}  // namespace vugpu
