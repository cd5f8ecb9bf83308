// A presenter for device tests: the device's output side, recorded. It copies the damaged
// pixels of every frame at present() time (what a real presenter would show), can hold the
// FrameRelease (a slow presenter) and can answer display_info_async / edid_async like a VMM display would, at once or when
// the test says (hold_questions).
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
  bool display_info_async(DisplayInfoDone done) override;
  bool edid_async(uint32_t scanout_id, EdidDone done) override;
  void reset() override {
    ++resets;
    held.clear();  // releases them
  }

  // Settings.
  bool hold_releases = false;
  std::optional<std::vector<DisplayMode>> display;  // answer display_info with these
  std::optional<std::vector<uint8_t>> edid_blob;    // answer edid with this
  // Take display questions and keep them (a slow display, a VMM): the test answers later with
  // answer_display_info() / answer_edid().
  bool hold_questions = false;

  // Records.
  std::vector<std::pair<uint32_t, DisplayMode>> scanouts;
  std::vector<Presented> presents;
  std::vector<CursorCall> cursor;
  std::vector<FrameRelease> held;
  std::vector<DisplayInfoDone> held_display_info;
  std::vector<EdidDone> held_edid;
  // Answers the oldest held question (as the presenter's display would, later on the loop).
  void answer_display_info(Status s, std::vector<DisplayMode> modes);
  void answer_edid(Status s, std::vector<uint8_t> edid);
  int display_info_calls = 0, edid_calls = 0, resets = 0;
};

}  // namespace vugpu::test
