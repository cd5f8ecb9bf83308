// The device-loop half of a windowed presenter (present.sdl, present.gtk): every Presenter call
// is handed to the toolkit thread's ScanoutMailbox and returns at once; it never waits for the
// toolkit. The plugin derives from it, starts its toolkit thread, attach()es that thread's
// mailbox, and in shutdown() detaches it before stopping the thread (and logs its statistics).
//
// Threading: every method on the device loop (the SDK's rule for Presenter).
#pragma once
#include <cstdint>
#include <set>
#include "scanout_mailbox.hpp"
#include "vugpu/host.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::window {

// Throws std::runtime_error naming `plugin` when neither $DISPLAY nor $WAYLAND_DISPLAY is set:
// the daemon then exits before serving, with that one line.
void require_display(const char* plugin);

class MailboxPresenter : public Presenter {
 public:
  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) override;
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) override;
  void cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) override;
  void cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) override;
  void reset() override;

 protected:
  explicit MailboxPresenter(HostServices& host) : host_(host) {}

  // The toolkit thread's mailbox, or null (not started, or stopped): calls are then dropped
  // (a frame's release runs as it goes out of scope).
  void attach(ScanoutMailbox* mailbox) { mailbox_ = mailbox; }
  uint64_t frames() const { return frames_; }

  HostServices& host_;

 private:
  ScanoutMailbox* mailbox_ = nullptr;
  std::set<uint32_t> scanouts_;  // ever set: reset() disables them
  uint64_t frames_ = 0;
};

}  // namespace vugpu::window
