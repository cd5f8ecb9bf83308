#include "gtk_presenter.hpp"

#include <cstdlib>
#include <stdexcept>

namespace vugpu::gtk {

namespace {

bool has_env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

}  // namespace

GtkPresenter::GtkPresenter(HostServices& host, GtkOptions options) : host_(host), options_(std::move(options)) {
  if (!has_env("DISPLAY") && !has_env("WAYLAND_DISPLAY"))
    throw std::runtime_error("no display: $DISPLAY is not set (nor $WAYLAND_DISPLAY); present.gtk needs an X11 or "
                             "Wayland display (use present.headless without one)");
  thread_ = std::make_unique<GtkThread>(host_.log(), options_, [this](uint64_t bytes) { host_.count_copy(bytes); });
}

GtkPresenter::~GtkPresenter() { shutdown(); }

void GtkPresenter::set_scanout(uint32_t scanout_id, const DisplayMode& mode) {
  scanouts_.insert(scanout_id);
  if (thread_) thread_->mailbox().put_mode(scanout_id, mode);
}

void GtkPresenter::present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) {
  ++frames_;
  if (thread_) thread_->mailbox().put_frame(scanout_id, frame, damage, std::move(release));
}

void GtkPresenter::cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) {
  if (thread_) thread_->mailbox().put_cursor(scanout_id, x, y, image);
}

void GtkPresenter::cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) {
  if (thread_) thread_->mailbox().put_cursor_move(scanout_id, x, y);
}

void GtkPresenter::reset() {
  if (!thread_) return;
  thread_->mailbox().drop_frames();
  for (uint32_t id : scanouts_) thread_->mailbox().put_mode(id, DisplayMode{});
}

void GtkPresenter::shutdown() {
  if (!thread_) return;
  thread_->stop();
  const GtkStats& s = thread_->stats();
  host_.log().info("{} frames presented, {} coalesced before the copy, {} copies ({} bytes)", frames_,
                   thread_->mailbox().coalesced(), s.uploads.load(), s.bytes_copied.load());
  thread_.reset();
}

}  // namespace vugpu::gtk
