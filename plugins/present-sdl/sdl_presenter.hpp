// present.sdl: every enabled scanout in a window of its own. The device loop side is
// window-common's MailboxPresenter (hands everything to the SDL thread's mailbox and returns;
// never waits for SDL). Frames are released by the SDL thread right after their damage was uploaded.
//
// Threading: every Presenter method on the device loop (the SDK's rule); SdlThread does the rest.
#pragma once
#include <memory>
#include "mailbox_presenter.hpp"
#include "sdl_options.hpp"
#include "sdl_thread.hpp"
#include "vugpu/host.hpp"

namespace vugpu::sdl {

class SdlPresenter final : public window::MailboxPresenter {
 public:
  // Throws std::runtime_error when there is no display ($DISPLAY / $WAYLAND_DISPLAY unset) or
  // SDL cannot open it (this one unless wait_for_display: then the windows come when it does):
  // the daemon then exits before serving, with that one line.
  SdlPresenter(HostServices& host, SdlOptions options);
  ~SdlPresenter() override;

  void shutdown() override;

 private:
  const SdlOptions options_;
  std::unique_ptr<SdlThread> thread_;
};

}  // namespace vugpu::sdl
