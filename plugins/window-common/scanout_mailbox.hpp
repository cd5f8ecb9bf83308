// The hand-over from the device loop to the toolkit thread: per scanout, the latest mode, the
// latest frame not yet uploaded (with the union of the damage since the last upload) and the
// latest cursor. Nothing queues up: a frame that arrives before the previous one was taken
// replaces it (the previous one is released at once, its damage kept), so a burst of flushes
// costs one upload and the last frame is never lost.
//
// Threading: put_*() on the device loop (never blocks beyond a short mutex hold, never waits
// for the toolkit thread); take() on the toolkit thread. `wake` runs (outside the lock, on the device
// loop) when the mailbox goes from empty to non-empty: one wake-up per batch, not per frame.
#pragma once
#include <array>
#include <chrono>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include "vugpu/frame.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::window {

struct PendingFrame {
  std::chrono::steady_clock::time_point flushed;  // when present() got it (latency statistics)
  Frame frame;
  Rect damage;          // scanout coordinates, to upload
  FrameRelease release; // release once uploaded
};

struct CursorPicture {  // a copy: CursorImage only borrows the guest's pixels
  uint32_t hot_x = 0, hot_y = 0;
  std::array<uint32_t, CursorImage::kSize * CursorImage::kSize> argb{};
};

struct CursorState {
  uint32_t x = 0, y = 0;
  std::shared_ptr<const CursorPicture> picture;  // null: hidden
  bool picture_changed = false;                  // since the last take()
};

struct ScanoutChanges {
  std::optional<DisplayMode> mode;
  std::optional<PendingFrame> frame;
  std::optional<CursorState> cursor;
};

class ScanoutMailbox {
 public:
  explicit ScanoutMailbox(std::function<void()> wake) : wake_(std::move(wake)) {}

  void put_mode(uint32_t scanout_id, const DisplayMode& mode);
  void put_frame(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release);
  void put_cursor(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image);
  void put_cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y);
  // Drops every frame not yet taken (releasing it): the VMM went away or we are stopping.
  void drop_frames();
  // The toolkit thread is gone for good (its display was lost): drops what is pending, and from
  // now on every frame is released as it arrives and nothing else is kept or wakes anyone.
  // Any thread.
  void close();

  std::map<uint32_t, ScanoutChanges> take();

  // Frames replaced by a newer one before the toolkit thread took them. Any thread.
  uint64_t coalesced() const { return coalesced_.load(std::memory_order_relaxed); }

 private:
  // Call with the lock held; true when the caller must wake the toolkit thread after unlocking.
  bool mark_pending();

  std::function<void()> wake_;
  std::mutex mutex_;
  std::map<uint32_t, ScanoutChanges> pending_;
  std::map<uint32_t, CursorState> cursors_;  // last known, so a move keeps the picture
  bool woken_ = false;
  bool closed_ = false;
  std::atomic<uint64_t> coalesced_{0};
};

}  // namespace vugpu::window
