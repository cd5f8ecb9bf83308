// The guest's cursor drawn over its scanout: a 64x64 texture blended at the cursor position,
// scaled like the picture under it. The guest gives premultiplied ARGB; SDL's portable blend
// (also the software renderer's) takes straight alpha, so the image is un-premultiplied once
// per cursor change. SDL thread only.
#pragma once
#include <SDL.h>
#include <memory>
#include "fit_geometry.hpp"
#include "scanout_mailbox.hpp"
#include "texture_upload.hpp"

namespace vugpu::sdl {

using window::CursorPicture;
using window::CursorState;
using window::PendingFrame;
using window::Placement;
using window::ScanoutChanges;
using window::ScanoutMailbox;
using window::place;

class CursorSprite {
 public:
  void update(SDL_Renderer* renderer, const CursorState& state);
  // Draws the cursor (when visible) over a picture placed at `where`.
  void draw(SDL_Renderer* renderer, const Placement& where) const;
  void reset() { texture_.reset(); picture_.reset(); }

 private:
  UniqueTexture texture_;
  std::shared_ptr<const CursorPicture> picture_;
  uint32_t x_ = 0, y_ = 0;
};

}  // namespace vugpu::sdl
