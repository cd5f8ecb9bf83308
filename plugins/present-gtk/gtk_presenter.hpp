// present.gtk: the scanouts as GTK 3 windows (or tabs of one), drawn with cairo. The device loop
// side is window-common's MailboxPresenter (hands everything to the GTK thread's mailbox and
// returns); the GTK thread copies each frame's damage and releases it at once.
//
// Threading: every Presenter method on the device loop (the SDK's rule); GtkThread does the rest.
#pragma once
#include <memory>
#include "gtk_options.hpp"
#include "gtk_thread.hpp"
#include "mailbox_presenter.hpp"
#include "vugpu/host.hpp"

namespace vugpu::gtk {

class GtkPresenter final : public window::MailboxPresenter {
 public:
  // Throws std::runtime_error when there is no display ($DISPLAY / $WAYLAND_DISPLAY unset) or
  // GTK cannot open it (this one unless wait_for_display: then the windows come when it does):
  // the daemon then exits before serving, with that one line.
  GtkPresenter(HostServices& host, GtkOptions options);
  ~GtkPresenter() override;

  void shutdown() override;

 private:
  const GtkOptions options_;
  std::unique_ptr<GtkThread> thread_;
};

}  // namespace vugpu::gtk
