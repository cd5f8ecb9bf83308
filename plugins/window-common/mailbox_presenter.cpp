#include "mailbox_presenter.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace vugpu::window {

namespace {

bool has_env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

}  // namespace

void require_display(const char* plugin) {
  if (!has_env("DISPLAY") && !has_env("WAYLAND_DISPLAY"))
    throw std::runtime_error(std::string("no display: $DISPLAY is not set (nor $WAYLAND_DISPLAY); ") + plugin +
                             " needs an X11 or Wayland display (use present.headless without one)");
}

void MailboxPresenter::set_scanout(uint32_t scanout_id, const DisplayMode& mode) {
  scanouts_.insert(scanout_id);
  if (mailbox_) mailbox_->put_mode(scanout_id, mode);
}

void MailboxPresenter::present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) {
  ++frames_;
  if (mailbox_) mailbox_->put_frame(scanout_id, frame, damage, std::move(release));
}

void MailboxPresenter::cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) {
  if (mailbox_) mailbox_->put_cursor(scanout_id, x, y, image);
}

void MailboxPresenter::cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) {
  if (mailbox_) mailbox_->put_cursor_move(scanout_id, x, y);
}

void MailboxPresenter::reset() {
  if (!mailbox_) return;
  mailbox_->drop_frames();
  for (uint32_t id : scanouts_) mailbox_->put_mode(id, DisplayMode{});
}

}  // namespace vugpu::window
