#include "scanout_mailbox.hpp"

#include <algorithm>

namespace vugpu::window {

namespace {

bool same_shape(const Frame& a, const Frame& b) {
  return a.view.width == b.view.width && a.view.height == b.view.height && a.fourcc == b.fourcc &&
         a.y0_top == b.y0_top;
}

}  // namespace

bool ScanoutMailbox::mark_pending() {
  if (woken_) return false;
  woken_ = true;
  return true;
}

void ScanoutMailbox::put_mode(uint32_t scanout_id, const DisplayMode& mode) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    pending_[scanout_id].mode = mode;
    wake = mark_pending();
  }
  if (wake) wake_();
}

void ScanoutMailbox::put_frame(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) {
  FrameRelease replaced;  // released after unlocking: its callback posts to the device loop
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      replaced = std::move(release);  // nobody will show it
    } else {
      auto& slot = pending_[scanout_id].frame;
      Rect todo = damage;
      if (slot) {
        // The newer frame holds the whole current picture: what the older one would have
        // updated is read from the newer one instead.
        todo = same_shape(slot->frame, frame) ? slot->damage.united(damage) : Rect{0, 0, frame.view.width, frame.view.height};
        replaced = std::move(slot->release);
        coalesced_.fetch_add(1, std::memory_order_relaxed);
      }
      slot = PendingFrame{std::chrono::steady_clock::now(), frame, todo, std::move(release)};
      wake = mark_pending();
    }
  }
  replaced.release();
  if (wake) wake_();
}

void ScanoutMailbox::put_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) {
  std::shared_ptr<CursorPicture> picture;
  if (image && image->argb) {
    picture = std::make_shared<CursorPicture>();
    picture->hot_x = std::min(image->hot_x, CursorImage::kSize - 1);
    picture->hot_y = std::min(image->hot_y, CursorImage::kSize - 1);
    std::copy_n(image->argb, picture->argb.size(), picture->argb.begin());
  }
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    CursorState& c = cursors_[scanout_id];
    c = {x, y, std::move(picture), true};
    pending_[scanout_id].cursor = c;
    wake = mark_pending();
  }
  if (wake) wake_();
}

void ScanoutMailbox::put_cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    CursorState& c = cursors_[scanout_id];
    c.x = x;
    c.y = y;
    auto& pending = pending_[scanout_id].cursor;
    const bool picture_changed = pending && pending->picture_changed;
    pending = c;
    pending->picture_changed = picture_changed;
    wake = mark_pending();
  }
  if (wake) wake_();
}

void ScanoutMailbox::drop_frames() {
  std::map<uint32_t, ScanoutChanges> dropped;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, changes] : pending_)
      if (changes.frame) dropped[id].frame = std::move(changes.frame);
    for (auto& [id, changes] : pending_) changes.frame.reset();
  }
  // `dropped` goes out of scope here, releasing each frame outside the lock.
}

void ScanoutMailbox::close() {
  std::map<uint32_t, ScanoutChanges> dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    dropped = std::exchange(pending_, {});
  }
  // `dropped` goes out of scope here, releasing each frame outside the lock.
}

std::map<uint32_t, ScanoutChanges> ScanoutMailbox::take() {
  std::lock_guard lock(mutex_);
  woken_ = false;
  return std::exchange(pending_, {});
}

}  // namespace vugpu::window
