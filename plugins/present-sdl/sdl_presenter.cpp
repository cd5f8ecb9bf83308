#include "sdl_presenter.hpp"

#include <cstdlib>
#include <stdexcept>
#include "rgb_png.hpp"
#include "screenshot.hpp"

namespace vugpu::sdl {

namespace {

bool has_env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

}  // namespace

SdlPresenter::SdlPresenter(HostServices& host, SdlOptions options) : host_(host), options_(std::move(options)) {
  window::check_screenshot_path(options_.screenshot_path);
  if (!has_env("DISPLAY") && !has_env("WAYLAND_DISPLAY"))
    throw std::runtime_error("no display: $DISPLAY is not set (nor $WAYLAND_DISPLAY); present.sdl needs an X11 or "
                             "Wayland display (use present.headless without one)");
  thread_ = std::make_unique<SdlThread>(host_.log(), options_, [this](uint64_t bytes) { host_.count_copy(bytes); });
}

SdlPresenter::~SdlPresenter() { shutdown(); }

void SdlPresenter::set_scanout(uint32_t scanout_id, const DisplayMode& mode) {
  scanouts_.insert(scanout_id);
  if (thread_) thread_->mailbox().put_mode(scanout_id, mode);
}

void SdlPresenter::present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) {
  ++frames_;
  if (thread_) thread_->mailbox().put_frame(scanout_id, frame, damage, std::move(release));
}

void SdlPresenter::cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) {
  if (thread_) thread_->mailbox().put_cursor(scanout_id, x, y, image);
}

void SdlPresenter::cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) {
  if (thread_) thread_->mailbox().put_cursor_move(scanout_id, x, y);
}

void SdlPresenter::reset() {
  if (!thread_) return;
  thread_->mailbox().drop_frames();
  for (uint32_t id : scanouts_) thread_->mailbox().put_mode(id, DisplayMode{});
}

void SdlPresenter::shutdown() {
  if (!thread_) return;
  thread_->stop();
  const SdlStats& s = thread_->stats();
  host_.log().info("{} frames presented, {} coalesced before upload, {} uploads ({} bytes), {} redraws; {}", frames_,
                   thread_->mailbox().coalesced(), s.uploads.load(), s.bytes_uploaded.load(), s.redraws.load(),
                   thread_->latency_summary());
  thread_.reset();
}

}  // namespace vugpu::sdl
