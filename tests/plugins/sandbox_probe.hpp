// A presenter that, at its first frame (so after start-up, under the sandbox), opens a network
// socket: what a compromised or careless plugin would do to phone home. Its two builds differ
// only in whether the plugin declares "socket" (vugpu/sandbox.hpp). The socket's fd number (or
// -errno) goes to stderr so a test can read what happened.
#pragma once
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <vugpu/host.hpp>
#include <vugpu/plugin.hpp>

namespace vugpu_test {

class SocketOpeningPresenter final : public vugpu::Presenter {
 public:
  void set_scanout(uint32_t, const vugpu::DisplayMode&) override {}
  void present(uint32_t, const vugpu::Frame&, const vugpu::Rect&, vugpu::FrameRelease) override {
    if (done_) return;
    done_ = true;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::fprintf(stderr, "sandbox-probe: socket() = %d\n", fd < 0 ? -errno : fd);
    if (fd >= 0) ::close(fd);
  }

 private:
  bool done_ = false;
};

inline std::unique_ptr<vugpu::Presenter> make_socket_presenter(vugpu::HostServices&, const vugpu::OptionValues&) {
  return std::make_unique<SocketOpeningPresenter>();
}

}  // namespace vugpu_test
