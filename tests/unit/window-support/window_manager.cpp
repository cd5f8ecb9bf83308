#include "window_manager.hpp"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace vugpu::test {

namespace {

// Whether a window manager announced itself on `display` (EWMH: the root window's
// _NET_SUPPORTING_WM_CHECK names a window of the manager's).
bool managed(Display* d) {
  const Atom check = XInternAtom(d, "_NET_SUPPORTING_WM_CHECK", False);
  Atom type = 0;
  int format = 0;
  unsigned long items = 0, after = 0;
  unsigned char* data = nullptr;
  const bool found = XGetWindowProperty(d, DefaultRootWindow(d), check, 0, 1, False, XA_WINDOW, &type, &format, &items,
                                        &after, &data) == Success &&
                     type == XA_WINDOW && items == 1;
  if (data) XFree(data);
  return found;
}

}  // namespace

WindowManager::WindowManager(const std::string& display) {
  int fds[2];  // the child reports a failed exec through it (closed on a successful exec)
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::close(fds[0]);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::setenv("DISPLAY", display.c_str(), 1);
    ::execlp("openbox", "openbox", "--sm-disable", static_cast<char*>(nullptr));
    const int err = errno;
    (void)!::write(fds[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(fds[1]);
  int exec_errno = 0;
  const bool exec_failed = ::read(fds[0], &exec_errno, sizeof exec_errno) == ssize_t(sizeof exec_errno);
  ::close(fds[0]);
  if (exec_failed) {
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw std::runtime_error(std::string("cannot run openbox (") + std::strerror(exec_errno) +
                             "): the window tests' window manager; scripts/setup installs it");
  }
  Display* d = XOpenDisplay(display.c_str());
  if (!d) throw std::runtime_error("cannot connect to X display " + display);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);  // safety net only
  bool up = false, exited = false;
  while (!(up = managed(d)) && std::chrono::steady_clock::now() < end && !(exited = ::waitpid(pid_, nullptr, WNOHANG) == pid_))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  XCloseDisplay(d);
  if (exited) {
    pid_ = -1;
    throw std::runtime_error("openbox exited before managing " + display);
  }
  if (!up) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw std::runtime_error("openbox did not start managing " + display);
  }
}

WindowManager::~WindowManager() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace vugpu::test
