#include "gtk_options.hpp"

#include <stdexcept>

namespace vugpu::gtk {

GtkOptions GtkOptions::from(const OptionValues& values) {
  GtkOptions o;
  o.parse(values);
  const std::string& layout = values.get_string("layout");
  if (layout == "tabs") o.tabs = true;
  else if (layout != "windows") throw std::invalid_argument("layout = \"" + layout + "\": use \"windows\" or \"tabs\"");
  return o;
}

}  // namespace vugpu::gtk
