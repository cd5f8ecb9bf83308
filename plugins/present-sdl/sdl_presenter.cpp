#include "sdl_presenter.hpp"

namespace vugpu::sdl {

SdlPresenter::SdlPresenter(HostServices& host, SdlOptions options)
    : MailboxPresenter(host), options_(std::move(options)) {
  window::require_display("present.sdl");
  thread_ = std::make_unique<SdlThread>(
      host_.log(), options_, [this](uint64_t bytes) { host_.count_copy(bytes); },
      [this](uint32_t scanout_id, const DisplayMode& mode) { host_.display_mode_wanted(scanout_id, mode); },
      [this](int exit_status) { host_.request_stop(exit_status); });
  attach(&thread_->mailbox());
}

SdlPresenter::~SdlPresenter() { shutdown(); }

void SdlPresenter::shutdown() {
  if (!thread_) return;
  attach(nullptr);
  thread_->stop();
  const SdlStats& s = thread_->stats();
  host_.log().info("{} frames presented, {} coalesced before upload, {} uploads ({} bytes), {} redraws; {}", frames(),
                   thread_->mailbox().coalesced(), s.uploads.load(), s.bytes_uploaded.load(), s.redraws.load(),
                   thread_->latency_summary());
  thread_.reset();
}

}  // namespace vugpu::sdl
