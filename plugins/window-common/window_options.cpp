#include "window_options.hpp"

#include <stdexcept>
#include "rgb_png.hpp"

namespace vugpu::window {

namespace {

constexpr uint32_t kMaxZoom = 16;

uint32_t parse_scale(const std::string& s) {
  if (s == "fit") return 0;
  if (!s.empty() && s.size() <= 2 && s.find_first_not_of("0123456789") == std::string::npos) {
    const unsigned long n = std::stoul(s);
    if (n >= 1 && n <= kMaxZoom) return uint32_t(n);
  }
  throw std::invalid_argument("scale = \"" + s + "\": use \"fit\" or an integer zoom \"1\" to \"16\"");
}

}  // namespace

void WindowOptions::parse(const OptionValues& values) {
  vm_name = values.get_string("vm_name");
  zoom = parse_scale(values.get_string("scale"));
  const std::string& f = values.get_string("filter");
  if (f == "auto") filter = Filter::Auto;
  else if (f == "nearest") filter = Filter::Nearest;
  else if (f == "linear") filter = Filter::Linear;
  else throw std::invalid_argument("filter = \"" + f + "\": use \"auto\", \"nearest\" or \"linear\"");
  fullscreen = values.get_bool("fullscreen");
  const std::string& c = values.get_string("close");
  if (c == "hide") close = CloseAction::Hide;
  else if (c == "ignore") close = CloseAction::Ignore;
  else if (c == "exit") close = CloseAction::Exit;
  else throw std::invalid_argument("close = \"" + c + "\": use \"hide\", \"ignore\" or \"exit\"");
  screenshot_path = values.get_string("screenshot_path");
  check_screenshot_path(screenshot_path);
  wait_for_display = values.get_bool("wait_for_display");
}

}  // namespace vugpu::window
