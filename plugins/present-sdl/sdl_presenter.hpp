// present.sdl: every enabled scanout in a window of its own. The device loop side: it only
// hands mode changes, frames and cursors to the SDL thread's mailbox and returns; it never waits
// for SDL. Frames are released by the SDL thread right after their damage was uploaded.
//
// Threading: every Presenter method on the device loop (the SDK's rule); SdlThread does the rest.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include "sdl_options.hpp"
#include "sdl_thread.hpp"
#include "vugpu/host.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::sdl {

class SdlPresenter final : public Presenter {
 public:
  // Throws std::runtime_error when there is no display ($DISPLAY / $WAYLAND_DISPLAY unset) or
  // SDL cannot open it: the daemon then exits before serving, with that one line.
  SdlPresenter(HostServices& host, SdlOptions options);
  ~SdlPresenter() override;

  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) override;
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) override;
  void cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) override;
  void cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) override;
  void reset() override;
  void shutdown() override;

 private:
  HostServices& host_;
  const SdlOptions options_;
  std::unique_ptr<SdlThread> thread_;
  std::set<uint32_t> scanouts_;  // ever set: reset() disables them
  uint64_t frames_ = 0;
};

}  // namespace vugpu::sdl
