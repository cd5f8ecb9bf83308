#include "vhost_user_presenter.hpp"

#include <algorithm>
#include <memory>
#include "row_converter.hpp"

namespace vugpu::present_vhost_user {

namespace {

constexpr uint32_t kBytesPerPixel = 4;

// Row `y` of the view (0 = top of the picture), whatever the frame's row order.
const uint8_t* view_row(const Frame& f, uint32_t x, uint32_t y) {
  if (f.y0_top) return f.at(x, y);
  const uint64_t stored = uint64_t{f.height} - 1 - (uint64_t{f.view.y} + y);
  return f.pixels + stored * f.stride + (uint64_t{f.view.x} + x) * kBytesPerPixel;
}

}  // namespace

VmmDisplay* VhostUserPresenter::display_or_note_missing() {
  VmmDisplay* d = host_.vmm_display();
  if (d == nullptr && !missing_noted_) {
    host_.log().debug("no VMM display connected; frames are dropped until one is");
    missing_noted_ = true;
  }
  if (d != nullptr) missing_noted_ = false;
  return d;
}

bool VhostUserPresenter::tell_size(VmmDisplay& d, uint32_t scanout_id, uint32_t width, uint32_t height) {
  ScanoutState& st = scanouts_[scanout_id];
  const Status s = d.scanout(scanout_id, width, height);
  if (s != Status::Ok) {
    host_.log().warn("SCANOUT {} {}x{}: {}", scanout_id, width, height, to_string(s));
    st.told = nullptr;
    return false;
  }
  st.told = &d;
  st.width = width;
  st.height = height;
  st.dmabuf = false;
  st.dmabuf_resource = 0;
  return true;
}

void VhostUserPresenter::set_scanout(uint32_t scanout_id, const DisplayMode& mode) {
  if (scanout_id >= kMaxScanouts) return;
  ScanoutState& st = scanouts_[scanout_id];
  st.mode = mode;
  VmmDisplay* d = display_or_note_missing();
  if (d == nullptr) {
    st.told = nullptr;
    return;
  }
  if (mode.enabled && mode.width != 0 && mode.height != 0)
    tell_size(*d, scanout_id, mode.width, mode.height);
  else
    tell_size(*d, scanout_id, 0, 0);
}

void VhostUserPresenter::present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) {
  VmmDisplay* d = display_or_note_missing();
  if (d == nullptr || scanout_id >= kMaxScanouts || frame.view.empty()) return;  // release drops the frame
  // A frame with both (a blob shared as a udmabuf) goes as a dmabuf when the VMM agreed DMABUF2,
  // with the guest's pages as UPDATE the fallback once the VMM refused a dmabuf on this channel
  // (QEMU without a GL display does): never a failed round trip per frame.
  ScanoutState& st = scanouts_[scanout_id];
  const bool try_dmabuf =
      frame.dmabuf_fd >= 0 && (frame.pixels == nullptr || (d->has_dmabuf2() && st.dmabuf_refused_by != d));
  if (try_dmabuf && present_dmabuf(*d, scanout_id, frame, damage, release)) {
    return;  // the VMM reads the dmabuf: `release` goes when it says it drew it
  }
  if (frame.pixels != nullptr) {
    if (try_dmabuf) st.dmabuf_refused_by = d;
    // The UPDATE's rows are read from the frame after this returns: `release` goes with it.
    present_pixels(*d, scanout_id, frame, damage, std::make_shared<FrameRelease>(std::move(release)));
  }
  // Otherwise (or when nothing was sent) the frame is released when its last holder drops it.
}

void VhostUserPresenter::present_pixels(VmmDisplay& d, uint32_t scanout_id, const Frame& frame, const Rect& damage,
                                        const std::shared_ptr<FrameRelease>& held) {
  ScanoutState& st = scanouts_[scanout_id];
  const Rect whole{0, 0, frame.view.width, frame.view.height};
  if (uint64_t{frame.stride} < (uint64_t{frame.view.x} + frame.view.width) * kBytesPerPixel ||
      !frame.view.inside(frame.width, frame.height)) {
    host_.log().warn("frame of resource {} with stride {} does not hold its view; dropped", frame.resource_id,
                     frame.stride);
    return;
  }
  bool full = false;
  if (st.told != &d || st.dmabuf || st.width != whole.width || st.height != whole.height) {
    if (!tell_size(d, scanout_id, whole.width, whole.height)) return;
    full = true;  // a new surface starts black on the VMM side
  }
  Status s = send_rect(d, scanout_id, frame, full ? whole : damage.intersected(whole), held);
  if (s == Status::InvalidScanoutId) {
    // A new display channel that has not heard of this scanout yet (VMM restarted the device).
    if (!tell_size(d, scanout_id, whole.width, whole.height)) return;
    s = send_rect(d, scanout_id, frame, whole, held);
  }
  if (s != Status::Ok) host_.log().debug("UPDATE of scanout {}: {}", scanout_id, to_string(s));
}

// One rectangle, one UPDATE: see the header for why it is never split. Ok: `held` is released
// by the UPDATE's completion (the VMM no longer needs the rows); else nothing went.
Status VhostUserPresenter::send_rect(VmmDisplay& d, uint32_t scanout_id, const Frame& frame, const Rect& r,
                                     const std::shared_ptr<FrameRelease>& held) {
  if (r.empty()) return Status::Ok;
  if (!sent_as_is(frame.fourcc) || !frame.y0_top) return send_converted(d, scanout_id, frame, r, held);
  const Status s = d.update(scanout_id, r, frame.at(r.x, r.y), frame.stride, [held](Status) { held->release(); });
  if (s == Status::Ok) host_.count_copy(uint64_t{r.height} * r.width * kBytesPerPixel);  // into the socket
  return s;
}

// The converted rows are read after this returns, until the UPDATE's completion: that holds
// the buffer. The presenter reuses a buffer nobody else holds (the common case: the last
// UPDATE was read), else takes a new one, so a slow VMM never sees rows rewritten under it.
// The frame is not read after the conversion, but is still released only in the completion:
// the fence keeps its meaning ("the VMM has the pixels") and holds the guest back, so a VMM
// that reads slowly cannot make conversion buffers pile up.
Status VhostUserPresenter::send_converted(VmmDisplay& d, uint32_t scanout_id, const Frame& frame, const Rect& r,
                                          const std::shared_ptr<FrameRelease>& held) {
  const auto converter = RowConverter::for_fourcc(frame.fourcc);
  if (!converter) {
    host_.log().warn("frame format {:#x} cannot be shown; dropped", frame.fourcc);
    return Status::InvalidParameter;
  }
  const uint64_t row_bytes = uint64_t{r.width} * kBytesPerPixel;
  const uint64_t bytes = row_bytes * r.height;  // within the frame: no overflow
  if (!converted_ || converted_.use_count() > 1 || converted_->size() < bytes) {
    converted_ = RowsBuffer::map(bytes);
    if (!converted_) return Status::OutOfMemory;
  }
  RowsBuffer& buffer = *converted_;
  for (uint32_t i = 0; i < r.height; ++i) {
    const uint8_t* src = view_row(frame, r.x, r.y + i);
    if (sent_as_is(frame.fourcc))
      std::copy(src, src + row_bytes, buffer.data() + i * row_bytes);  // only the row order differs
    else
      converter->convert(src, buffer.data() + i * row_bytes, r.width);
  }
  const Status s = d.update(scanout_id, r, buffer.data(), static_cast<uint32_t>(row_bytes),
                            [rows = converted_, held](Status) { held->release(); });
  if (s == Status::Ok) host_.count_copy(2 * row_bytes * r.height);  // the conversion, then the socket
  return s;
}

bool VhostUserPresenter::present_dmabuf(VmmDisplay& d, uint32_t scanout_id, const Frame& frame, const Rect& damage,
                                        FrameRelease& release) {
  ScanoutState& st = scanouts_[scanout_id];
  if (st.told != &d || !st.dmabuf || st.dmabuf_resource != frame.resource_id || st.width != frame.view.width ||
      st.height != frame.view.height) {
    const Status s = d.dmabuf_scanout(scanout_id, frame);
    if (s != Status::Ok) {
      host_.log().warn("DMABUF_SCANOUT {}: {}", scanout_id, to_string(s));
      st.told = nullptr;
      return false;
    }
    st.told = &d;
    st.dmabuf = true;
    st.dmabuf_resource = frame.resource_id;
    st.width = frame.view.width;
    st.height = frame.view.height;
  }
  // The VMM's answer comes later (once its GL display drew the buffer): the frame is kept until
  // then, without holding the device loop. A VMM that never answers costs the channel's
  // time-out, and frames that also have pixels go as UPDATE on that channel from then on.
  auto held = std::make_shared<FrameRelease>(std::move(release));
  auto answered = [alive = std::weak_ptr<int>(alive_), this, held, refused_by = &d, scanout_id](Status s) {
    if (s != Status::Ok) {
      if (auto still_here = alive.lock()) {
        host_.log().debug("DMABUF_UPDATE {}: {}", scanout_id, to_string(s));
        scanouts_[scanout_id].dmabuf_refused_by = refused_by;
      }
    }
    held->release();
  };
  Status s = d.dmabuf_update(scanout_id, damage, answered);
  if (s == Status::InvalidScanoutId && d.dmabuf_scanout(scanout_id, frame) == Status::Ok)
    s = d.dmabuf_update(scanout_id, Rect{0, 0, frame.view.width, frame.view.height}, answered);
  if (s == Status::Ok) return true;
  host_.log().debug("DMABUF_UPDATE {}: {}", scanout_id, to_string(s));
  release = std::move(*held);  // not sent: the caller still has the frame
  return false;
}

void VhostUserPresenter::cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) {
  if (scanout_id >= kMaxScanouts) return;
  scanouts_[scanout_id].cursor_visible = image != nullptr;
  VmmDisplay* d = host_.vmm_display();
  if (d == nullptr) return;
  const Status s = image != nullptr ? d->cursor_update(scanout_id, x, y, *image) : d->cursor_pos(scanout_id, x, y, false);
  if (s != Status::Ok) host_.log().debug("cursor on scanout {}: {}", scanout_id, to_string(s));
}

void VhostUserPresenter::cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) {
  if (scanout_id >= kMaxScanouts) return;
  VmmDisplay* d = host_.vmm_display();
  if (d == nullptr) return;
  const Status s = d->cursor_pos(scanout_id, x, y, scanouts_[scanout_id].cursor_visible);
  if (s != Status::Ok) host_.log().debug("cursor move on scanout {}: {}", scanout_id, to_string(s));
}

bool VhostUserPresenter::display_info_async(DisplayInfoDone done) {
  VmmDisplay* d = host_.vmm_display();
  if (d == nullptr) return false;
  // The display channel says why when the VMM did not answer (time-out, closed).
  return d->display_info_async([done = std::move(done)](Status s, std::span<const DisplayMode> modes) {
    done(s == Status::Ok ? Status::Ok : Status::NotSupported, modes);  // the core uses its config
  });
}

bool VhostUserPresenter::edid_async(uint32_t scanout_id, EdidDone done) {
  VmmDisplay* d = host_.vmm_display();
  if (d == nullptr) return false;
  return d->edid_async(scanout_id, [done = std::move(done)](Status s, std::span<const uint8_t> edid) {
    done(s == Status::Ok ? Status::Ok : Status::NotSupported, edid);  // the core builds one from the config
  });
}

void VhostUserPresenter::reset() {
  for (ScanoutState& st : scanouts_) st = ScanoutState{};
}

}  // namespace vugpu::present_vhost_user
