// The options of present.gtk (declared in plugin.cpp): the windowed presenters' shared ones
// (window-common) and GTK's own.
#pragma once
#include "vugpu/options.hpp"
#include "window_options.hpp"

namespace vugpu::gtk {

using window::CloseAction;
using window::Filter;

struct GtkOptions : window::WindowOptions {
  bool tabs = false;     // one window with a tab per scanout instead of a window each

  // Throws std::invalid_argument naming the option and the values it takes.
  static GtkOptions from(const OptionValues& values);
};

}  // namespace vugpu::gtk
