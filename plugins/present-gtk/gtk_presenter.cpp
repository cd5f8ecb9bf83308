#include "gtk_presenter.hpp"

namespace vugpu::gtk {

GtkPresenter::GtkPresenter(HostServices& host, GtkOptions options)
    : MailboxPresenter(host), options_(std::move(options)) {
  window::require_display("present.gtk");
  thread_ = std::make_unique<GtkThread>(
      host_.log(), options_, [this](uint64_t bytes) { host_.count_copy(bytes); },
      [this](uint32_t scanout_id, const DisplayMode& mode) { host_.display_mode_wanted(scanout_id, mode); },
      [this](int exit_status) { host_.request_stop(exit_status); });
  attach(&thread_->mailbox());
}

GtkPresenter::~GtkPresenter() { shutdown(); }

void GtkPresenter::shutdown() {
  if (!thread_) return;
  attach(nullptr);
  thread_->stop();
  const GtkStats& s = thread_->stats();
  host_.log().info("{} frames presented, {} coalesced before the copy, {} copies ({} bytes)", frames(),
                   thread_->mailbox().coalesced(), s.uploads.load(), s.bytes_copied.load());
  thread_.reset();
}

}  // namespace vugpu::gtk
