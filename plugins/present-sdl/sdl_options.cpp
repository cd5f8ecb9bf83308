#include "sdl_options.hpp"

#include <stdexcept>

namespace vugpu::sdl {

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

SdlOptions SdlOptions::from(const OptionValues& values) {
  SdlOptions o;
  o.vm_name = values.get_string("vm_name");
  o.zoom = parse_scale(values.get_string("scale"));
  const std::string& filter = values.get_string("filter");
  if (filter == "auto") o.filter = Filter::Auto;
  else if (filter == "nearest") o.filter = Filter::Nearest;
  else if (filter == "linear") o.filter = Filter::Linear;
  else throw std::invalid_argument("filter = \"" + filter + "\": use \"auto\", \"nearest\" or \"linear\"");
  o.fullscreen = values.get_bool("fullscreen");
  const std::string& close = values.get_string("close");
  if (close == "hide") o.close = CloseAction::Hide;
  else if (close == "ignore") o.close = CloseAction::Ignore;
  else if (close == "exit") o.close = CloseAction::Exit;
  else throw std::invalid_argument("close = \"" + close + "\": use \"hide\", \"ignore\" or \"exit\"");
  o.max_fps = values.get_int("max_fps");
  if (o.max_fps < 0 || o.max_fps > 1000)
    throw std::invalid_argument("max_fps = " + std::to_string(o.max_fps) + ": use 0 (display refresh) to 1000");
  o.screenshot_path = values.get_string("screenshot_path");
  o.renderer = values.get_string("renderer");
  return o;
}

}  // namespace vugpu::sdl
