// Presenter: shows scanouts somewhere (the VMM's console, a PNG file, a window).
//
// Threading: the core calls every method on the device loop thread. A presenter with a loop of
// its own (GTK, SDL) runs it on its own thread and hands frames to it through a queue; it must
// not block the device loop waiting for that thread (nor for anything else: the VMM's display
// questions are asynchronous, see display_info_async). Anything it needs to do on the device
// loop later goes through HostServices::post().
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <vector>
#include "vugpu/frame.hpp"
#include "vugpu/geometry.hpp"
#include "vugpu/stats.hpp"
#include "vugpu/status.hpp"

namespace vugpu {

struct DisplayMode {
  uint32_t width = 0, height = 0;
  bool enabled = false;
};

// Answers to the guest's display questions (Presenter::display_info_async / edid_async,
// VmmDisplay's of the same names): up to 16 modes, one per scanout; an EDID of 128-byte blocks.
using DisplayInfoDone = std::function<void(Status, std::span<const DisplayMode>)>;
using EdidDone = std::function<void(Status, std::span<const uint8_t>)>;

// 64x64 cursor image, premultiplied ARGB8888 (DRM_FORMAT_ARGB8888), row stride 64*4.
struct CursorImage {
  static constexpr uint32_t kSize = 64;
  uint32_t hot_x = 0, hot_y = 0;
  const uint32_t* argb = nullptr;
};

class Presenter {
 public:
  virtual ~Presenter() = default;

  // The guest set (enabled, with the size it shows) or disabled a scanout.
  virtual void set_scanout(uint32_t scanout_id, const DisplayMode& mode) = 0;

  // Show `frame` on `scanout_id`. `damage` is in scanout coordinates (0,0 = top-left of
  // frame.view), already clipped to it; use frame.at(x, y) for pixels. Keep `release` while
  // the frame's memory is still being read (see FrameRelease).
  virtual void present(uint32_t scanout_id, const Frame& frame, const Rect& damage,
                       FrameRelease release) = 0;

  // Cursor: `image` null hides it. Positions in scanout coordinates.
  virtual void cursor_update(uint32_t /*scanout_id*/, uint32_t /*x*/, uint32_t /*y*/,
                             const CursorImage* /*image*/) {}
  virtual void cursor_move(uint32_t /*scanout_id*/, uint32_t /*x*/, uint32_t /*y*/) {}

  // Optional: a presenter that knows the real displays (the VMM's windows) answers the guest's
  // GET_DISPLAY_INFO / GET_EDID; otherwise the core answers from the config. Asynchronous, so a
  // display that is slow to answer (a VMM) holds back only the guest's control queue, never the
  // device loop. Return false: "I do not answer" (`done` is never called). Return true: `done`
  // is called exactly once, on the device loop thread (inside this call or later), with Ok and
  // the answer, or an error (the core then asks the next presenter, then uses the config).
  // The spans passed to `done` are valid only during that call.
  virtual bool display_info_async(DisplayInfoDone /*done*/) { return false; }
  virtual bool edid_async(uint32_t /*scanout_id*/, EdidDone /*done*/) { return false; }

  // Optional: counters for --stats-file (vugpu/stats.hpp), written under the plugin's name. On
  // the device loop, each time the file is written (also after shutdown()); a counter another
  // thread of the plugin updates (its GL or toolkit thread) must be a std::atomic.
  virtual StatCounters stats() const { return {}; }

  // The VMM went away: every scanout is gone; drop references to guest state.
  virtual void reset() {}
  // Last call before destruction: stop threads, flush files.
  virtual void shutdown() {}
};

}  // namespace vugpu
