#include "kept_scanouts.hpp"

#include <chrono>
#include <cstring>

namespace vugpu::window {

bool KeptScanouts::copy_frame(const Frame& frame, const Rect& damage, Copy& copy, uint64_t& bytes) {
  const Rect& view = frame.view;
  if (!frame.pixels || view.empty() || !view.inside(frame.width, frame.height) ||
      frame.stride < uint64_t{frame.width} * 4)
    return false;
  Rect rect = damage.intersected({0, 0, view.width, view.height});
  if (!copy.pixels || copy.width != view.width || copy.height != view.height || copy.fourcc != frame.fourcc) {
    // A new shape: the whole view (what lies outside the damage is in the guest's buffer too).
    copy.pixels = std::make_shared<std::vector<uint8_t>>(uint64_t{view.width} * view.height * 4);
    copy.width = view.width;
    copy.height = view.height;
    copy.fourcc = frame.fourcc;
    rect = {0, 0, view.width, view.height};
  }
  for (uint64_t y = rect.y; y < rect.bottom(); ++y) {
    const uint64_t memory_row = frame.y0_top ? view.y + y : frame.height - 1 - (view.y + y);
    std::memcpy(copy.pixels->data() + (y * view.width + rect.x) * 4,
                frame.pixels + memory_row * frame.stride + (uint64_t{view.x} + rect.x) * 4, uint64_t{rect.width} * 4);
  }
  bytes += uint64_t{rect.width} * rect.height * 4;
  return true;
}

uint64_t KeptScanouts::keep(std::map<uint32_t, ScanoutChanges> changes, const Readable& readable) {
  uint64_t bytes = 0;
  for (auto& [id, c] : changes) {
    ScanoutChanges& kept = changes_[id];
    if (c.mode) kept.mode = c.mode;
    if (c.cursor) {
      const bool picture_changed = c.cursor->picture_changed || (kept.cursor && kept.cursor->picture_changed);
      kept.cursor = c.cursor;
      kept.cursor->picture_changed = picture_changed;
    }
    if (c.frame) {
      if (const Frame* frame = readable(id, c.frame->frame)) copy_frame(*frame, c.frame->damage, copies_[id], bytes);
      c.frame->release.release();  // copied (or unreadable): the guest may reuse its buffer
    }
    // A scanout disabled last (a batch's mode is its latest: the device flushes no disabled
    // scanout) shows nothing: its picture must not come back with the display (a toolkit opens
    // a window for a frame that comes without a mode).
    if (c.mode && !c.mode->enabled) copies_.erase(id);
  }
  return bytes;
}

std::map<uint32_t, ScanoutChanges> KeptScanouts::take() {
  for (auto& [id, copy] : copies_) {
    Frame f;
    f.width = f.view.width = copy.width;
    f.height = f.view.height = copy.height;
    f.stride = copy.width * 4;
    f.fourcc = copy.fourcc;
    f.pixels = copy.pixels->data();
    // `flushed`: now, not when the guest flushed it: the presenters' latency statistics measure
    // flush -> window, not the wait for the display.
    changes_[id].frame = PendingFrame{std::chrono::steady_clock::now(), f, {0, 0, copy.width, copy.height},
                                      FrameRelease([pixels = copy.pixels] {})};
  }
  copies_.clear();
  return std::exchange(changes_, {});
}

}  // namespace vugpu::window
