#include "texture_upload.hpp"

#include <drm_fourcc.h>
#include <limits>

namespace vugpu::sdl {

// DRM and SDL both name packed 32-bit words from the most significant component down.
uint32_t sdl_format(uint32_t f) {
  switch (f) {
    case DRM_FORMAT_ARGB8888: return SDL_PIXELFORMAT_ARGB8888;
    case DRM_FORMAT_XRGB8888: return SDL_PIXELFORMAT_XRGB8888;
    case DRM_FORMAT_BGRA8888: return SDL_PIXELFORMAT_BGRA8888;
    case DRM_FORMAT_BGRX8888: return SDL_PIXELFORMAT_BGRX8888;
    case DRM_FORMAT_ABGR8888: return SDL_PIXELFORMAT_ABGR8888;
    case DRM_FORMAT_RGBX8888: return SDL_PIXELFORMAT_RGBX8888;
    case DRM_FORMAT_RGBA8888: return SDL_PIXELFORMAT_RGBA8888;
    case DRM_FORMAT_XBGR8888: return SDL_PIXELFORMAT_XBGR8888;
    default: return SDL_PIXELFORMAT_UNKNOWN;
  }
}

ScanoutTexture::Result ScanoutTexture::upload(SDL_Renderer* renderer, const Frame& frame, const Rect& damage,
                                              uint64_t& bytes) {
  bytes = 0;
  const Rect& view = frame.view;
  if (!frame.pixels) return Result::Unreadable;  // only a dma-buf: egl::ReadableFrames reads it back first
  if (view.empty() || !view.inside(frame.width, frame.height) || frame.stride < uint64_t{frame.width} * 4 ||
      frame.stride > uint32_t(std::numeric_limits<int>::max()))
    return Result::Unreadable;
  const uint32_t format = sdl_format(frame.fourcc);
  if (format == SDL_PIXELFORMAT_UNKNOWN) return Result::Unreadable;

  Rect rect = damage.intersected({0, 0, view.width, view.height});
  if (!texture_ || view.width != width_ || view.height != height_ || frame.fourcc != fourcc_) {
    texture_.reset(SDL_CreateTexture(renderer, format, SDL_TEXTUREACCESS_STREAMING, int(view.width), int(view.height)));
    if (!texture_) {
      width_ = height_ = 0;
      return Result::Failed;
    }
    // The guest's alpha is not transparency: a scanout is opaque.
    SDL_SetTextureBlendMode(texture_.get(), SDL_BLENDMODE_NONE);
    width_ = view.width;
    height_ = view.height;
    fourcc_ = frame.fourcc;
    rect = {0, 0, view.width, view.height};
  }
  bottom_up_ = !frame.y0_top;
  if (rect.empty()) return Result::NothingToDo;

  // Texture row t holds memory row (first_memory_row + t): top-down, scanout row t; bottom-up,
  // scanout row (height - 1 - t), drawn flipped.
  const uint64_t texture_top = frame.y0_top ? rect.y : uint64_t{view.height} - rect.bottom();
  const uint64_t memory_row = frame.y0_top ? uint64_t{view.y} + rect.y
                                           : uint64_t{frame.height} - view.y - rect.bottom();
  const uint8_t* src = frame.pixels + memory_row * frame.stride + (uint64_t{view.x} + rect.x) * 4;
  const SDL_Rect dst{int(rect.x), int(texture_top), int(rect.width), int(rect.height)};
  if (SDL_UpdateTexture(texture_.get(), &dst, src, int(frame.stride)) != 0) return Result::Failed;
  bytes = uint64_t{rect.width} * rect.height * 4;
  return Result::Uploaded;
}

}  // namespace vugpu::sdl
