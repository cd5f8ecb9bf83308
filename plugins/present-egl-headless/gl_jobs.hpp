// What the device loop hands the GL thread (through GlThread's queue). Each job owns what it
// needs: a frame job keeps the frame's FrameRelease until the GPU has read the frame.
#pragma once
#include <cstdint>
#include <variant>
#include <vector>
#include "vugpu/frame.hpp"
#include "vugpu/geometry.hpp"

namespace vugpu::egl_headless {

struct FrameJob {
  uint32_t scanout_id = 0;
  Frame frame;          // its pixels / dmabuf stay valid until `release`
  Rect damage;          // scanout coordinates, clipped to the view
  FrameRelease release;
  uint64_t number = 0;  // frames presented on this scanout so far, this one included (%n)
};

struct ScanoutJob {
  uint32_t scanout_id = 0;
  bool enabled = false;
};

struct CursorJob {
  uint32_t scanout_id = 0;
  uint32_t x = 0, y = 0;        // the pointer's position (the image's hot spot goes there)
  bool move_only = false;       // true: keep the image, move it
  bool visible = false;         // false: hide
  uint32_t hot_x = 0, hot_y = 0;
  std::vector<uint32_t> argb;   // 64 x 64 premultiplied ARGB8888, when !move_only && visible
};

struct SnapshotRequest {
  bool only_changed = false;  // periodic: only scanouts that changed since their last snapshot
  bool at_exit = false;       // the last ones: written whatever the writer's backlog
};

struct ResetJob {};  // the VMM went away: scanouts disabled, cursors hidden, pictures kept

using GlJob = std::variant<FrameJob, ScanoutJob, CursorJob, SnapshotRequest, ResetJob>;

}  // namespace vugpu::egl_headless
