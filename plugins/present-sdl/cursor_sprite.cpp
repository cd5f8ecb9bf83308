#include "cursor_sprite.hpp"

#include <cmath>

namespace vugpu::sdl {

namespace {

uint32_t unpremultiply(uint32_t argb) {
  const uint32_t a = argb >> 24;
  if (a == 0) return 0;
  if (a == 255) return argb;
  const auto channel = [a](uint32_t c) { return std::min<uint32_t>(255, (c * 255 + a / 2) / a); };
  return a << 24 | channel(argb >> 16 & 0xff) << 16 | channel(argb >> 8 & 0xff) << 8 | channel(argb & 0xff);
}

}  // namespace

void CursorSprite::update(SDL_Renderer* renderer, const CursorState& state) {
  x_ = state.x;
  y_ = state.y;
  if (!state.picture_changed) return;
  picture_ = state.picture;
  if (!picture_) return;
  constexpr int kSize = int(CursorImage::kSize);
  if (!texture_) {
    texture_.reset(SDL_CreateTexture(renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, kSize, kSize));
    if (!texture_) return;
    SDL_SetTextureBlendMode(texture_.get(), SDL_BLENDMODE_BLEND);
  }
  std::array<uint32_t, CursorImage::kSize * CursorImage::kSize> straight;
  for (size_t i = 0; i < straight.size(); ++i) straight[i] = unpremultiply(picture_->argb[i]);
  SDL_UpdateTexture(texture_.get(), nullptr, straight.data(), kSize * 4);
}

void CursorSprite::draw(SDL_Renderer* renderer, const Placement& where) const {
  if (!picture_ || !texture_) return;
  // Cursor pixels scale like picture pixels; positions are picture coordinates.
  const double s = where.scale;
  const auto to_drawable = [s](int64_t v) { return int(std::lround(double(v) * s)); };
  const int64_t left = int64_t{x_} - picture_->hot_x, top = int64_t{y_} - picture_->hot_y;
  const int size = to_drawable(CursorImage::kSize);
  const SDL_Rect dst{where.x + to_drawable(left), where.y + to_drawable(top), size, size};
  // Clip to the picture, not the letterbox bars.
  const SDL_Rect picture{where.x, where.y, int(where.width), int(where.height)};
  SDL_RenderSetClipRect(renderer, &picture);
  SDL_RenderCopy(renderer, texture_.get(), nullptr, &dst);
  SDL_RenderSetClipRect(renderer, nullptr);
}

}  // namespace vugpu::sdl
