// A scanout's picture on the SDL thread: a streaming texture of the scanout's size in the
// frame's own pixel format (SDL converts, if at all, during the upload), updated from the
// damaged rectangle only. Frames stored bottom-up (GL textures) are uploaded as they lie in
// memory and drawn flipped. SDL thread only.
#pragma once
#include <SDL.h>
#include <cstdint>
#include <memory>
#include "vugpu/frame.hpp"

namespace vugpu::sdl {

struct TextureDeleter {
  void operator()(SDL_Texture* t) const { SDL_DestroyTexture(t); }
};
using UniqueTexture = std::unique_ptr<SDL_Texture, TextureDeleter>;

// SDL's packed format for a DRM fourcc of virtio-gpu's 2D formats (SDL_PIXELFORMAT_UNKNOWN otherwise).
uint32_t sdl_format(uint32_t drm_fourcc);

class ScanoutTexture {
 public:
  enum class Result { Uploaded, NothingToDo, Unreadable, Failed };

  // Uploads `damage` of `frame` (the whole view when the size or format changed). Returns the
  // bytes read from the frame in `bytes`.
  Result upload(SDL_Renderer* renderer, const Frame& frame, const Rect& damage, uint64_t& bytes);
  void reset() { texture_.reset(); width_ = height_ = 0; }

  SDL_Texture* get() const { return texture_.get(); }
  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  bool bottom_up() const { return bottom_up_; }

 private:
  UniqueTexture texture_;
  uint32_t width_ = 0, height_ = 0, fourcc_ = 0;
  bool bottom_up_ = false;
};

}  // namespace vugpu::sdl
