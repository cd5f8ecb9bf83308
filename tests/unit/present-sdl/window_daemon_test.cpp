// The windowed presenters inside the real vugpu daemon (present.sdl and present.gtk: the tests
// are parameterised by the presenter) on a private Xvfb, driven by the project's test frontend
// (tests/frontend) as the VMM.
// Window size -> guest resolution: with a VMM that agreed BACKEND_REQ and CONFIG (QEMU 10 does
// not pass config changes on),
//   a user resizes the window (xdotool) -> VHOST_USER_BACKEND_CONFIG_CHANGE_MSG on the back-end
//   channel -> events_read has VIRTIO_GPU_EVENT_DISPLAY -> GET_DISPLAY_INFO / GET_EDID report
//   the window's size; a size the window takes because the guest set a scanout is never
//   reported back (no resize loop). Without a back-end channel the event waits in events_read.
// The X server's death: the daemon logs one line and follows the close policy.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include "backend_process.hpp"
#include "edid.hpp"
#include "framebuffer.hpp"
#include "guest_driver.hpp"
#include "test_vmm.hpp"
#include "x_screen.hpp"
#include "xvfb_server.hpp"

namespace vugpu {
namespace {

using namespace std::chrono_literals;
using frontend::Millis;

constexpr auto kDeadline = 15s;  // safety net only: every wait ends when the state is reached
const std::string kTitle = "resizetest: scanout 0";

class WindowDaemon : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { start_daemon(""); }
  // `options`: TOML lines of the presenter's table. `later_display`: $DISPLAY names that display,
  // whose X server is not started (start_later_display() does).
  void start_daemon(const std::string& options, std::optional<uint32_t> later_display = std::nullopt) {
    backend_.reset();
    x_.reset();
    xvfb_.reset();
    if (!later_display) xvfb_ = std::make_unique<test::XvfbServer>(1024, 768);
    config_ = std::filesystem::temp_directory_path() / ("vugpu-resize-guest-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(config_) << "renderer = \"renderer.pixman\"\npresenters = [\"" << GetParam() << "\"]\n"
                           << "[[display.scanout]]\nwidth = 320\nheight = 200\n"
                           << "[plugin.\"" << GetParam() << "\"]\nvm_name = \"resizetest\"\n" << options;
    auto lookup = frontend::find_vugpu({"--config=" + config_.string()});
    ASSERT_TRUE(lookup.command) << lookup.missing_reason;
    lookup.command->env.push_back("DISPLAY=" + (xvfb_ ? xvfb_->display() : ":" + std::to_string(*later_display)));
    backend_ = std::make_unique<frontend::BackendProcess>(*lookup.command);
    if (xvfb_) x_ = std::make_unique<test::XConnection>(xvfb_->display());
  }
  // The daemon with wait_for_display = true on display :`number` (no X server there yet), the
  // guest booted and showing a 320x200 framebuffer once the daemon says it waits.
  std::unique_ptr<frontend::Framebuffer> start_waiting_and_show(uint32_t number) {
    start_daemon("wait_for_display = true\n", number);
    boot();
    EXPECT_TRUE(wait_logged("waiting for display :" + std::to_string(number))) << backend_->log();
    auto fb = std::make_unique<frontend::Framebuffer>(*gpu_, 1, 320, 200);
    fb->draw_pattern(1);
    EXPECT_EQ(fb->show_on(0), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
    return fb;
  }
  void start_later_display(uint32_t number) {
    xvfb_ = std::make_unique<test::XvfbServer>(1024, 768, number);
    x_ = std::make_unique<test::XConnection>(xvfb_->display());
  }
  bool wait_logged(const std::string& needle) {
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    while (backend_->log().find(needle) == std::string::npos && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(20ms);
    return backend_->log().find(needle) != std::string::npos;
  }
  void boot(frontend::VmmOptions options = {}) {
    vmm_ = std::make_unique<frontend::TestVmm>(options);
    vmm_->boot(backend_->socket_path());
    gpu_ = std::make_unique<frontend::GuestDriver>(*vmm_);
  }
  void TearDown() override {
    x_.reset();
    gpu_.reset();
    vmm_.reset();
    if (HasFailure() && backend_) std::cerr << "daemon log:\n" << backend_->log();
    backend_.reset();
    xvfb_.reset();
    std::filesystem::remove(config_);
  }

  test::WindowInfo wait_window(uint32_t width, uint32_t height) {
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    std::optional<test::WindowInfo> w;
    while (std::chrono::steady_clock::now() < end) {
      w = x_->find(kTitle);
      if (w && w->viewable && w->width == width && w->height == height) return *w;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "no viewable " << width << "x" << height << " window '" << kTitle << "'";
    return w.value_or(test::WindowInfo{});
  }

  void resize(const test::WindowInfo& w, uint32_t width, uint32_t height) {
    ASSERT_EQ(std::system(("DISPLAY=" + xvfb_->display() + " xdotool windowsize " + std::to_string(w.id) + " " +
                           std::to_string(width) + " " + std::to_string(height))
                              .c_str()),
              0);
  }

  // The back-end's next config change: events_read says DISPLAY; the driver acknowledges it.
  void expect_display_event() {
    const std::optional<uint32_t> request = vmm_->wait_backend_request(Millis(15000));
    ASSERT_TRUE(request) << "no message on the back-end channel";
    EXPECT_EQ(*request, frontend::vu::kBackendConfigChangeMsg);
    EXPECT_EQ(vmm_->reread_config().events_read, uint32_t(VIRTIO_GPU_EVENT_DISPLAY));
    vmm_->clear_config_events(VIRTIO_GPU_EVENT_DISPLAY);
    EXPECT_EQ(vmm_->reread_config().events_read, 0u);
  }

  void expect_mode(uint32_t width, uint32_t height) {
    const auto info = gpu_->get_display_info();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->pmodes[0].r.width, width);
    EXPECT_EQ(info->pmodes[0].r.height, height);
    EXPECT_EQ(info->pmodes[0].enabled, 1u);
    const frontend::EdidReply edid = gpu_->get_edid(0);
    ASSERT_EQ(edid.type, uint32_t(VIRTIO_GPU_RESP_OK_EDID));
    const frontend::EdidInfo parsed = frontend::parse_edid(edid.edid);
    EXPECT_EQ(parsed.preferred_width, width);
    EXPECT_EQ(parsed.preferred_height, height);
  }

  std::filesystem::path config_;
  std::unique_ptr<test::XvfbServer> xvfb_;
  std::unique_ptr<frontend::BackendProcess> backend_;
  std::unique_ptr<frontend::TestVmm> vmm_;
  std::unique_ptr<frontend::GuestDriver> gpu_;
  std::unique_ptr<test::XConnection> x_;
};

TEST_P(WindowDaemon, ResizedWindowBecomesTheGuestsModeWithADisplayEvent) {
  boot();
  ASSERT_TRUE(vmm_->has_protocol_feature(frontend::vu::kProtocolBackendReq)) << "vugpu offers BACKEND_REQ";
  expect_mode(320, 200);  // the configuration's
  frontend::Framebuffer fb(*gpu_, 1, 320, 200);
  fb.draw_pattern(1);
  fb.show_on(0);
  test::WindowInfo w = wait_window(320, 200);

  resize(w, 480, 300);
  expect_display_event();
  expect_mode(480, 300);

  // The guest takes that mode: the window keeps its size and shows the new picture 1:1.
  frontend::Framebuffer taken(*gpu_, 3, 480, 300);
  taken.draw_pattern(3);
  taken.show_on(0);
  w = wait_window(480, 300);

  // The guest takes another mode than the window asked for: the window takes it (the guest's
  // size), and that is not reported back as a wish of the window's.
  frontend::Framebuffer other(*gpu_, 2, 400, 250);
  other.draw_pattern(2);
  other.show_on(0);
  w = wait_window(400, 250);

  // The next wish is the user's next resize, not the guest's 400x250: exactly one more event.
  resize(w, 512, 320);
  expect_display_event();
  expect_mode(512, 320);
  const std::string log = backend_->log();
  size_t asked = 0;
  for (size_t at = 0; (at = log.find("window resized to", at)) != std::string::npos; ++at) ++asked;
  EXPECT_EQ(asked, 2u) << log;
  EXPECT_EQ(log.find("window resized to 400x250"), std::string::npos) << log;
}

// A VMM that gave no back-end channel (no BACKEND_REQ) is not interrupted: the event waits in
// events_read for the driver's next look at the config space, and the modes are there.
TEST_P(WindowDaemon, WithoutABackendChannelTheEventWaitsInEventsRead) {
  frontend::VmmOptions o;
  o.protocol_features &= ~frontend::vu::bit(frontend::vu::kProtocolBackendReq);
  boot(o);
  ASSERT_FALSE(vmm_->has_protocol_feature(frontend::vu::kProtocolBackendReq));
  frontend::Framebuffer fb(*gpu_, 1, 320, 200);
  fb.draw_pattern(1);
  fb.show_on(0);
  const test::WindowInfo w = wait_window(320, 200);
  resize(w, 480, 300);
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  while (vmm_->reread_config().events_read == 0 && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(vmm_->config().events_read, uint32_t(VIRTIO_GPU_EVENT_DISPLAY));
  vmm_->clear_config_events(VIRTIO_GPU_EVENT_DISPLAY);
  expect_mode(480, 300);
  EXPECT_NE(backend_->log().find("the VMM gave no back-end channel"), std::string::npos) << backend_->log();
}

// The X server dies under the daemon's presenter (Xlib would exit() the daemon): with close =
// "hide" one error line, and vugpu keeps serving the guest (a flush completes) and stops cleanly
// on SIGTERM (exit status 0); with close = "exit" it stops by itself, cleanly but with exit
// status 1: a lost display is a failure.
TEST_P(WindowDaemon, DaemonOutlivesItsXServerPerTheClosePolicy) {
  for (const bool exit_policy : {false, true}) {
    SCOPED_TRACE(exit_policy ? "close = exit" : "close = hide");
    gpu_.reset();
    vmm_.reset();
    x_.reset();
    start_daemon(exit_policy ? "close = \"exit\"\n" : "");
    boot();
    frontend::Framebuffer fb(*gpu_, 1, 320, 200);
    fb.draw_pattern(1);
    ASSERT_EQ(fb.show_on(0), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
    wait_window(320, 200);
    const std::string display = xvfb_->display();
    x_.reset();
    xvfb_->kill_now();
    const std::string line = "X display " + display + " lost (the X server went away or dropped the connection)";
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    while (backend_->log().find(line) == std::string::npos && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(20ms);
    ASSERT_NE(backend_->log().find(line), std::string::npos) << backend_->log();
    if (!exit_policy) {
      fb.draw_pattern(2);
      EXPECT_EQ(fb.present(fb.whole()), uint32_t(VIRTIO_GPU_RESP_OK_NODATA)) << "still serving";
      backend_->signal(SIGTERM);
    }
    const std::optional<int> status = backend_->wait_exit(Millis(15000));
    ASSERT_TRUE(status) << "the daemon did not stop";
    // A lost display is a failure with close = "exit" (status 1); a SIGTERM after it is not.
    const int want = exit_policy ? 1 : 0;
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == want)
        << "want exit status " << want << ": " << backend_->describe_exit() << "\n" << backend_->log();
    EXPECT_EQ(backend_->log().find("XIO"), std::string::npos) << "Xlib's own handler ran";
  }
}

// wait_for_display in the daemon (its sandbox on: the toolkit starts after the seccomp filter,
// with the system calls the plugin declares), started before its X server as at boot: it serves
// the guest (flushes complete: no frame waits for a window), and once Xvfb runs on that display
// the window appears at the guest's mode; SIGTERM then stops it with exit status 0.
TEST_P(WindowDaemon, WaitsForItsDisplayWhileServingTheGuest) {
  const uint32_t number = test::XvfbServer::unused_display_number();
  const auto fb = start_waiting_and_show(number);
  ASSERT_FALSE(HasFailure());
  for (uint32_t seed = 2; seed < 5; ++seed) {
    fb->draw_pattern(seed);
    ASSERT_EQ(fb->present(fb->whole()), uint32_t(VIRTIO_GPU_RESP_OK_NODATA)) << "a flush completes with no display";
  }
  start_later_display(number);
  wait_window(320, 200);
  EXPECT_TRUE(wait_logged("display :" + std::to_string(number) + " is up after")) << backend_->log();
  EXPECT_EQ(fb->present(fb->whole()), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  backend_->signal(SIGTERM);
  const std::optional<int> status = backend_->wait_exit(Millis(15000));
  ASSERT_TRUE(status) << "the daemon did not stop";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << backend_->describe_exit() << "\n" << backend_->log();
}

// SIGTERM while the presenter still waits for its display: a clean, prompt exit (status 0);
// the wait is woken by the stop, not found by a timer.
TEST_P(WindowDaemon, SigtermWhileWaitingForTheDisplayExitsPromptly) {
  const auto fb = start_waiting_and_show(test::XvfbServer::unused_display_number());
  ASSERT_FALSE(HasFailure());
  const auto t0 = std::chrono::steady_clock::now();
  backend_->signal(SIGTERM);
  const std::optional<int> status = backend_->wait_exit(Millis(15000));
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(status) << "the daemon did not stop";
  std::cout << "SIGTERM -> exit while waiting: " << std::chrono::duration<double, std::milli>(took).count() << " ms"
            << std::endl;
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << backend_->describe_exit() << "\n" << backend_->log();
  EXPECT_LT(took, 1s);
}

INSTANTIATE_TEST_SUITE_P(Presenters, WindowDaemon, ::testing::Values("present.sdl", "present.gtk"),
                         [](const auto& info) { return info.param == "present.sdl" ? std::string("Sdl") : std::string("Gtk"); });

}  // namespace
}  // namespace vugpu
