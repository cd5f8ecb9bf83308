// Displays and scanouts: GET_DISPLAY_INFO, GET_EDID, SET_SCANOUT, RESOURCE_FLUSH.
#include <algorithm>
#include "device/device_impl.hpp"
#include "device/edid.hpp"

namespace vugpu {

std::array<DisplayMode, VIRTIO_GPU_MAX_SCANOUTS> Device::Impl::display_modes() {
  std::array<DisplayMode, VIRTIO_GPU_MAX_SCANOUTS> modes{};
  // The VMM's own display knows best: the first presenter that answers wins.
  for (Presenter* p : presenters_) {
    if (p->display_info(modes) != Status::Ok) {
      modes = {};
      continue;
    }
    // A presenter that answers is the VMM's display, and the VMM decides how many scanouts the
    // guest has: QEMU writes its own max_outputs into the guest's config space and reports a
    // disabled output as all zeroes, exactly like one that does not exist. So every id the
    // protocol allows is valid; the VMM ignores scanouts it does not have.
    known_scanouts_ = VIRTIO_GPU_MAX_SCANOUTS;
    return modes;
  }
  for (uint32_t i = 0; i < configured_scanouts_; ++i) {
    const ScanoutSettings& s = settings_.scanouts[i];
    if (s.enabled) modes[i] = DisplayMode{s.width, s.height, true};
  }
  return modes;
}

Status Device::Impl::check_scanout_id(uint32_t scanout_id) {
  if (scanout_id < known_scanouts_) return Status::Ok;
  if (scanout_id < VIRTIO_GPU_MAX_SCANOUTS) {
    display_modes();  // a presenter may know more scanouts than we were told about
    if (scanout_id < known_scanouts_) return Status::Ok;
  }
  return fail(Status::InvalidScanoutId, "scanout {} (valid: 0..{})", scanout_id, known_scanouts_ - 1);
}

void Device::Impl::announce(uint32_t scanout_id, const DisplayMode& mode) {
  DisplayMode& was = scanouts_[scanout_id].announced;
  if (was.enabled == mode.enabled && was.width == mode.width && was.height == mode.height) return;
  was = mode;
  for (Presenter* p : presenters_) p->set_scanout(scanout_id, mode);
}

void Device::Impl::disable_scanout(uint32_t scanout_id) {
  ScanoutState& s = scanouts_[scanout_id];
  s.resource_id = 0;
  s.view = {};
  s.blob = {};
  announce(scanout_id, DisplayMode{});
}

Status Device::Impl::cmd_get_display_info(const protocol::Request&) {
  const auto modes = display_modes();
  auto info = zeroed<virtio_gpu_resp_display_info>();
  for (size_t i = 0; i < modes.size(); ++i) {
    info.pmodes[i].r.width = modes[i].width;
    info.pmodes[i].r.height = modes[i].height;
    info.pmodes[i].enabled = modes[i].enabled ? 1 : 0;
  }
  reply_.set(VIRTIO_GPU_RESP_OK_DISPLAY_INFO, info);
  return Status::Ok;
}

Status Device::Impl::cmd_get_edid(const protocol::Request& req) {
  virtio_gpu_cmd_get_edid c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (!settings_.edid) return fail(Status::Unspec, "VIRTIO_GPU_F_EDID is not offered");
  // Validate before asking anyone: QEMU never answers GET_EDID for a scanout it does not have.
  if (Status s = check_scanout_id(c.scanout); s != Status::Ok) return s;

  std::vector<uint8_t> blob;
  bool from_presenter = false;
  for (Presenter* p : presenters_) {
    blob.clear();
    if (p->edid(c.scanout, blob) == Status::Ok && !blob.empty() && blob.size() % 128 == 0 &&
        blob.size() <= sizeof(virtio_gpu_resp_edid::edid)) {
      from_presenter = true;
      break;
    }
  }
  if (!from_presenter) {
    DisplayMode mode = display_modes()[c.scanout];
    if (mode.width == 0 || mode.height == 0) {
      const ScanoutSettings fallback = c.scanout < configured_scanouts_ ? settings_.scanouts[c.scanout] : ScanoutSettings{};
      mode = DisplayMode{fallback.width, fallback.height, true};
    }
    const std::optional<EdidBlock> generated = make_edid(mode.width, mode.height, c.scanout + 1);
    if (!generated) return fail(Status::Unspec, "mode {}x{} does not fit an EDID detailed timing", mode.width, mode.height);
    blob.assign(generated->begin(), generated->end());
  }
  auto resp = zeroed<virtio_gpu_resp_edid>();
  resp.size = static_cast<uint32_t>(blob.size());
  std::copy(blob.begin(), blob.end(), resp.edid);
  reply_.set(VIRTIO_GPU_RESP_OK_EDID, resp);
  return Status::Ok;
}

Status Device::Impl::cmd_set_scanout(const protocol::Request& req) {
  virtio_gpu_set_scanout c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (Status s = check_scanout_id(c.scanout_id); s != Status::Ok) return s;
  if (c.resource_id == 0) {  // the driver disables a scanout this way, whatever the rect says
    disable_scanout(c.scanout_id);
    return Status::Ok;
  }
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (find_blob(c.resource_id) != nullptr)
    return fail(Status::InvalidParameter, "resource {} is a blob: SET_SCANOUT_BLOB shows it", c.resource_id);
  Rect r;
  if (Status s = rect_inside(c.r, *res, r); s != Status::Ok) return s;
  if (r.empty()) return fail(Status::InvalidParameter, "an empty rect cannot be shown");
  ScanoutState& s = scanouts_[c.scanout_id];
  s.resource_id = c.resource_id;
  s.view = r;
  s.blob = {};
  // Presenters hear about size changes; a new resource at the same size shows in the next frame.
  announce(c.scanout_id, DisplayMode{r.width, r.height, true});
  return Status::Ok;
}

Status Device::Impl::cmd_resource_flush(const protocol::Request& req) {
  virtio_gpu_resource_flush c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (BlobResource* blob = find_blob(res->id)) {
    if (res->width == 0) return Status::Ok;  // never shown: nothing to flush, no size to check against
    Rect r;
    if (Status s = rect_inside(c.r, *res, r); s != Status::Ok) return s;
    return blob_flush(*res, *blob, r);
  }
  Rect r;
  if (Status s = rect_inside(c.r, *res, r); s != Status::Ok) return s;

  // Damage per scanout showing this resource, in resource coordinates.
  std::array<Rect, VIRTIO_GPU_MAX_SCANOUTS> damage{};
  Rect all;
  for (uint32_t i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; ++i) {
    if (scanouts_[i].resource_id != c.resource_id) continue;
    damage[i] = r.intersected(scanouts_[i].view);
    all = all.united(damage[i]);
  }
  if (all.empty() || presenters_.empty()) return Status::Ok;

  Frame frame;
  if (Status s = renderer_.frame(*res, all, frame); s != Status::Ok) return fail(s, "renderer has no frame for resource {}", res->id);
  frame.resource_id = res->id;

  auto counter = std::make_shared<ReleaseCounter>();
  for (uint32_t i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; ++i) {
    if (damage[i].empty()) continue;
    frame.view = scanouts_[i].view;
    const Rect local{damage[i].x - frame.view.x, damage[i].y - frame.view.y, damage[i].width, damage[i].height};
    for (Presenter* p : presenters_) {
      p->present(i, frame, local, make_release(counter));
      ++stats_.frames_presented;
    }
  }
  // Drop the device's own count; if a presenter still holds its release, wait for it.
  if (counter->outstanding.fetch_sub(1) != 1) waiting_release_ = std::move(counter);
  return Status::Ok;
}

}  // namespace vugpu
