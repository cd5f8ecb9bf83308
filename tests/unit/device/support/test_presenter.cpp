#include "support/test_presenter.hpp"

#include <algorithm>
#include <cstring>

namespace vugpu::test {

void TestPresenter::present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) {
  Presented p{scanout_id, frame, damage, {}};
  if (frame.pixels != nullptr) {
    p.pixels.resize(size_t{damage.width} * damage.height * 4);
    for (uint32_t y = 0; y < damage.height; ++y)
      std::memcpy(&p.pixels[size_t{y} * damage.width * 4], frame.at(damage.x, damage.y + y), size_t{damage.width} * 4);
  }
  presents.push_back(std::move(p));
  if (hold_releases) held.push_back(std::move(release));
}

void TestPresenter::cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) {
  CursorCall c{false, scanout_id, x, y, image != nullptr, 0, 0, {}};
  if (image != nullptr) {
    c.hot_x = image->hot_x;
    c.hot_y = image->hot_y;
    c.argb.assign(image->argb, image->argb + CursorImage::kSize * CursorImage::kSize);
  }
  cursor.push_back(std::move(c));
}

Status TestPresenter::display_info(std::span<DisplayMode> out) {
  ++display_info_calls;
  if (!display) return Status::NotSupported;
  std::fill(out.begin(), out.end(), DisplayMode{});
  std::copy_n(display->begin(), std::min(display->size(), out.size()), out.begin());
  return Status::Ok;
}

Status TestPresenter::edid(uint32_t, std::vector<uint8_t>& out) {
  ++edid_calls;
  if (!edid_blob) return Status::NotSupported;
  out = *edid_blob;
  return Status::Ok;
}

}  // namespace vugpu::test
