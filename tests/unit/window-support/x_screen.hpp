// Looking at an X screen from a test: grab it (xwd -root, decoded here), find a window by its
// title, ask it to close as a window manager would (WM_DELETE_WINDOW), resize it (xdotool).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vugpu::test {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

struct Screenshot {
  uint32_t width = 0, height = 0;
  std::vector<Rgb> pixels;
  Rgb at(uint32_t x, uint32_t y) const { return pixels[size_t(y) * width + x]; }
};

// Throws std::runtime_error when xwd fails or writes something unexpected.
Screenshot grab_screen(const std::string& display);

struct WindowInfo {
  unsigned long id = 0;
  int x = 0, y = 0;  // of the inside, on the root window
  uint32_t width = 0, height = 0;
  bool viewable = false;
};

class XConnection {
 public:
  explicit XConnection(const std::string& display);  // throws when it cannot connect
  ~XConnection();
  XConnection(const XConnection&) = delete;
  XConnection& operator=(const XConnection&) = delete;

  // The top-level window whose title contains `title` (mapped or not; also inside a window
  // manager's frame).
  std::optional<WindowInfo> find(const std::string& title);
  void request_close(unsigned long window);  // WM_DELETE_WINDOW, as a window manager sends it

 private:
  std::optional<WindowInfo> find_below(unsigned long parent, const std::string& title, int depth);
  void* display_;  // Display*
};

}  // namespace vugpu::test
