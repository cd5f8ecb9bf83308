#include "gtk_options.hpp"

#include <stdexcept>
#include "rgb_png.hpp"

namespace vugpu::gtk {

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

GtkOptions GtkOptions::from(const OptionValues& values) {
  GtkOptions o;
  o.vm_name = values.get_string("vm_name");
  const std::string& layout = values.get_string("layout");
  if (layout == "tabs") o.tabs = true;
  else if (layout != "windows") throw std::invalid_argument("layout = \"" + layout + "\": use \"windows\" or \"tabs\"");
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
  o.screenshot_path = values.get_string("screenshot_path");
  window::check_screenshot_path(o.screenshot_path);
  return o;
}

}  // namespace vugpu::gtk
