#include "xvfb_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vugpu::test {

uint32_t XvfbServer::unused_display_number() {
  constexpr uint32_t kFirst = 400, kCount = 400;
  for (uint32_t i = 0; i < kCount; ++i) {
    const uint32_t n = kFirst + (uint32_t(::getpid()) + i) % kCount;
    const std::string number = std::to_string(n);
    if (::access(("/tmp/.X11-unix/X" + number).c_str(), F_OK) != 0 && ::access(("/tmp/.X" + number + "-lock").c_str(), F_OK) != 0)
      return n;
  }
  throw std::runtime_error("no unused X display number in :400 to :799");
}

XvfbServer::XvfbServer(uint32_t width, uint32_t height, std::optional<uint32_t> number)
    : width_(width), height_(height) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const std::string screen = std::to_string(width) + "x" + std::to_string(height) + "x24";
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::close(fds[0]);
    const int fd = ::dup(fds[1]);  // without O_CLOEXEC: Xvfb writes the display number here
    const std::string fd_text = std::to_string(fd);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    // -displayfd with a display given: Xvfb writes that number once it listens.
    std::string display = ":";  // (not ":" + to_string: GCC 12's -Wrestrict false positive)
    if (number) display += std::to_string(*number);
    if (number)
      ::execlp("Xvfb", "Xvfb", display.c_str(), "-displayfd", fd_text.c_str(), "-screen", "0", screen.c_str(),
               "-nolisten", "tcp", "-noreset", static_cast<char*>(nullptr));
    else
      ::execlp("Xvfb", "Xvfb", "-displayfd", fd_text.c_str(), "-screen", "0", screen.c_str(), "-nolisten", "tcp",
               "-noreset", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string written;  // the display number
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) break;  // safety net only: Xvfb answers in well under a second
    char c;
    if (::read(fds[0], &c, 1) != 1 || c == '\n') break;
    written += c;
  }
  ::close(fds[0]);
  if (written.empty()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    throw std::runtime_error("Xvfb did not start (is the xvfb package installed?)");
  }
  display_ = ":" + written;
}

void XvfbServer::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

XvfbServer::~XvfbServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);  // in case a test stopped it
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace vugpu::test
