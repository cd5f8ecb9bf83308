// A presenter for device tests: the device's output side, recorded. It copies the damaged
// pixels of every frame at present() time (what a real presenter would show), can hold the
// FrameRelease (a slow presenter) and can answer display_info / edid like a VMM display would.
#pragma once
#include <array>
#include <optional>
#include <vector>
#include "vugpu/presenter.hpp"

namespace vugpu::test {

class TestPresenter final : public Presenter {
 public:
  struct Presented {
    uint32_t scanout_id;
    Frame frame;                  // metadata; pixels pointer valid only while held
    Rect damage;                  // scanout coordinates
    std::vector<uint8_t> pixels;  // the damaged rows, damage.width * 4 bytes each
  };
  struct CursorCall {
    bool move;
    uint32_t scanout_id, x, y;
    bool visible;
    uint32_t hot_x = 0, hot_y = 0;
    std::vector<uint32_t> argb;  // 64*64 when an image came
  };

  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) override { scanouts.push_back({scanout_id, mode}); }
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) override;
  void cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) override;
  void cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) override {
    cursor.push_back({true, scanout_id, x, y, true, 0, 0, {}});
  }
  Status display_info(std::span<DisplayMode> out) override;
  Status edid(uint32_t scanout_id, std::vector<uint8_t>& out) override;
  void reset() override {
    ++resets;
    held.clear();  // releases them
  }

  // Settings.
  bool hold_releases = false;
  std::optional<std::vector<DisplayMode>> display;  // answer display_info with these
  std::optional<std::vector<uint8_t>> edid_blob;    // answer edid with this

  // Records.
  std::vector<std::pair<uint32_t, DisplayMode>> scanouts;
  std::vector<Presented> presents;
  std::vector<CursorCall> cursor;
  std::vector<FrameRelease> held;
  int display_info_calls = 0, edid_calls = 0, resets = 0;
};

}  // namespace vugpu::test
