// While a windowed presenter waits for its display (display_waiter.hpp) there is no window to
// upload to, yet the guest must never wait for one: each frame is copied here (the view, top
// down; only its damage when the copy has its shape already) and released at once. Modes and
// cursors are kept as the latest of each. When the display is up, take() hands all of it over
// as one batch of mailbox changes, so the windows open showing the guest's latest picture.
//
// Threading: the toolkit thread only.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>
#include "scanout_mailbox.hpp"

namespace vugpu::window {

class KeptScanouts {
 public:
  // A frame the toolkit can read: `frame` itself, or its dma-buf read back (valid until the
  // next call), or null (not shown: dropped, the copy kept before stays).
  using Readable = std::function<const Frame*(uint32_t scanout_id, const Frame& frame)>;

  // Merges `changes` (newer than what is kept) and releases their frames. Returns the bytes copied.
  uint64_t keep(std::map<uint32_t, ScanoutChanges> changes, const Readable& readable);

  // Everything kept, as changes to apply: each frame is the whole kept copy (its release frees
  // it). Empties this.
  std::map<uint32_t, ScanoutChanges> take();

 private:
  struct Copy {
    std::shared_ptr<std::vector<uint8_t>> pixels;  // width * height * 4, top down
    uint32_t width = 0, height = 0, fourcc = 0;
  };
  // Copies `frame`'s view (only `damage` when `copy` has its shape) into `copy`. False (nothing
  // copied) when the frame cannot be read.
  static bool copy_frame(const Frame& frame, const Rect& damage, Copy& copy, uint64_t& bytes);

  std::map<uint32_t, ScanoutChanges> changes_;  // frames: none here (see copies_)
  std::map<uint32_t, Copy> copies_;
};

}  // namespace vugpu::window
