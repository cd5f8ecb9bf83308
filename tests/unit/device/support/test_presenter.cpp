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

bool TestPresenter::display_info_async(DisplayInfoDone done) {
  ++display_info_calls;
  if (hold_questions) {
    held_display_info.push_back(std::move(done));
    return true;
  }
  if (!display) return false;
  std::vector<DisplayMode> out(16);
  std::copy_n(display->begin(), std::min(display->size(), out.size()), out.begin());
  done(Status::Ok, out);
  return true;
}

bool TestPresenter::edid_async(uint32_t, EdidDone done) {
  ++edid_calls;
  if (hold_questions) {
    held_edid.push_back(std::move(done));
    return true;
  }
  if (!edid_blob) return false;
  done(Status::Ok, *edid_blob);
  return true;
}

void TestPresenter::answer_display_info(Status s, std::vector<DisplayMode> modes) {
  DisplayInfoDone done = std::move(held_display_info.at(0));
  held_display_info.erase(held_display_info.begin());
  done(s, modes);
}

void TestPresenter::answer_edid(Status s, std::vector<uint8_t> edid) {
  EdidDone done = std::move(held_edid.at(0));
  held_edid.erase(held_edid.begin());
  done(s, edid);
}

}  // namespace vugpu::test
