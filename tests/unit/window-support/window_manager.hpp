// A window manager for window tests that need one: openbox on a private Xvfb. Bare Xvfb has no
// window manager, so a fullscreen request (_NET_WM_STATE_FULLSCREEN) is never granted there;
// openbox grants it. The constructor returns once openbox manages the screen (it set the EWMH
// _NET_SUPPORTING_WM_CHECK on the root window). openbox is one of the test suite's packages
// (scripts/setup): a missing openbox is a failure, not a skip. Tests only, test thread.
#pragma once
#include <sys/types.h>
#include <string>

namespace vugpu::test {

class WindowManager {
 public:
  // Throws std::runtime_error naming the reason when openbox cannot start or never manages
  // the screen (a generous deadline, a safety net only).
  explicit WindowManager(const std::string& display);
  ~WindowManager();
  WindowManager(const WindowManager&) = delete;
  WindowManager& operator=(const WindowManager&) = delete;

 private:
  pid_t pid_ = -1;
};

}  // namespace vugpu::test
