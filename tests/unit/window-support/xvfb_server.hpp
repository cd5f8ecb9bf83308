// A private X server for window tests: Xvfb on a display number it picks itself (-displayfd),
// killed when this object goes. Tests only.
#pragma once
#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <string>

namespace vugpu::test {

class XvfbServer {
 public:
  // Throws std::runtime_error when Xvfb cannot start. Returns once it accepts connections.
  XvfbServer(uint32_t width, uint32_t height) : XvfbServer(width, height, std::nullopt) {}
  // On display :`number` (a test whose client was told that display before its server runs).
  XvfbServer(uint32_t width, uint32_t height, std::optional<uint32_t> number);
  ~XvfbServer();
  XvfbServer(const XvfbServer&) = delete;
  XvfbServer& operator=(const XvfbServer&) = delete;

  // The X server dies now (SIGKILL, reaped): what a crash or a closed session looks like to
  // its clients.
  void kill_now();

  // A display number no X server has now (no socket, no lock file), from a range Xvfb's own
  // choice (-displayfd: the lowest free) does not reach, spread by process id.
  static uint32_t unused_display_number();

  const std::string& display() const { return display_; }  // ":N"
  pid_t pid() const { return pid_; }
  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }

 private:
  pid_t pid_ = -1;
  std::string display_;
  uint32_t width_, height_;
};

}  // namespace vugpu::test
