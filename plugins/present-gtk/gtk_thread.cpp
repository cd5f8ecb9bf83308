#include "gtk_thread.hpp"

#include <cmath>
#include <stdexcept>
#include <string_view>
#include "rgb_png.hpp"
#include "toolkit_thread.hpp"

namespace vugpu::gtk {

namespace {

// libdbus finds the session bus in $DBUS_SESSION_BUS_ADDRESS or at $XDG_RUNTIME_DIR/bus;
// otherwise it autolaunches one.
bool session_bus_reachable() {
  const char* address = g_getenv("DBUS_SESSION_BUS_ADDRESS");
  if (address && *address) return true;
  const char* runtime = g_getenv("XDG_RUNTIME_DIR");
  return runtime && *runtime && g_file_test((std::string(runtime) + "/bus").c_str(), G_FILE_TEST_EXISTS);
}

}  // namespace

GtkThread::GtkThread(Log& log, const GtkOptions& options, std::function<void(uint64_t)> count_copy,
                     std::function<void(uint32_t, const DisplayMode&)> want_mode,
                     std::function<void(int)> request_stop)
    : log_(log), options_(options), count_copy_(std::move(count_copy)), want_mode_(std::move(want_mode)),
      request_stop_(std::move(request_stop)), mailbox_([this] { wake(); }),
      loss_(log, options.close, mailbox_, request_stop_) {
  thread_ = window::start_toolkit_thread([this](std::promise<std::string>& started) { run(started); });
}

GtkThread::~GtkThread() { stop(); }

void GtkThread::stop() {
  if (!thread_.joinable()) return;
  waiter_.stop();  // when it waits for its display
  // No main loop yet (stopped while waiting for the display; or not this thread's: the GTK
  // thread has let go of the context): nothing to quit.
  g_main_context_invoke(nullptr, [](gpointer) -> gboolean {
    if (gtk_main_level() > 0) gtk_main_quit();
    return G_SOURCE_REMOVE;
  }, nullptr);
  // A thread parked after its display was lost never returns: it is left to the process's end.
  if (end_.wait_parked()) {
    thread_.detach();
    // Unreferencing them would call GDK and X, whose locks the parked thread may hold: left to the end.
    for (auto& [id, v] : views_) (void)v.release();
  } else {
    thread_.join();
  }
}

void GtkThread::wake() {
  if (waiter_.waiting()) {  // no GTK yet: the waiting thread keeps the changes
    waiter_.notify();
    return;
  }
  // From the device loop: runs apply() on the GTK thread (an idle source; wakes its poll).
  g_main_context_invoke(nullptr, [](gpointer self) -> gboolean {
    static_cast<GtkThread*>(self)->apply();
    return G_SOURCE_REMOVE;
  }, this);
}

void GtkThread::run(std::promise<std::string>& started) {
  // Own the default context from here to the end: g_main_context_invoke() from the device loop
  // would otherwise run apply() right there, on the wrong thread, whenever no loop holds it.
  g_main_context_acquire(nullptr);
  const auto open_gtk = []() -> std::string {
    if (gtk_init_check(nullptr, nullptr)) return {};
    return "GTK cannot open the display $DISPLAY=" + std::string(g_getenv("DISPLAY") ? g_getenv("DISPLAY") : "");
  };
  if (options_.wait_for_display) {
    // What gtk_init does before it opens the display, here, before the daemon's sandbox: GTK's
    // set-uid check (getresuid). When the display opens, GTK's accessibility bridge connects to
    // the session D-Bus and, when there is none, autolaunches one (fork + exec dbus-launch:
    // the sandbox denies both, and no assistive technology could be on such a bus): then it is
    // left out. The device loop waits for `started` meanwhile (no getenv racing this setenv).
    gtk_parse_args(nullptr, nullptr);
    if (!session_bus_reachable()) g_setenv("NO_AT_BRIDGE", "1", FALSE);
    // vugpu serves from now on; the windows come when the display does (frames kept meanwhile).
    readable_.emplace(log_, "present.gtk", count_copy_);
    waiter_.begin();
    started.set_value({});  // `started` is gone after this line
    if (!waiter_.wait(log_, "GTK", open_gtk, [this] { keep_changes(); })) {
      stopping_ = true;
      mailbox_.close();  // stopped: nothing is kept any more, every frame released as it comes
      readable_.reset();
      while (g_main_context_pending(nullptr)) g_main_context_iteration(nullptr, FALSE);  // stop()'s quit, if queued
      g_main_context_release(nullptr);
      end_.returned();
      return;
    }
  } else if (std::string error = open_gtk(); !error.empty()) {
    g_main_context_release(nullptr);
    started.set_value(error + " (wait_for_display = true waits for it instead)");
    return;
  }
  GdkDisplay* display = gdk_display_get_default();
  log_.info("GTK {}.{}.{} on display {}", gtk_get_major_version(), gtk_get_minor_version(), gtk_get_micro_version(),
            gdk_display_get_name(display));
  // After gtk_init: GDK installed its own IO error handler (it calls _exit) when it opened X.
  if (std::string_view(G_OBJECT_TYPE_NAME(display)) == "GdkX11Display") {
    loss_.set_display(gdk_display_get_name(display));
    loss_.watch_this_thread(end_);
  }
  if (!readable_) readable_.emplace(log_, "present.gtk", count_copy_);
  if (options_.wait_for_display) {
    keep_changes();  // the last ones before wake() went to GTK (waiter_.waiting() is false now)
    apply(kept_.take());
  } else {
    started.set_value({});  // `started` is gone after this line
  }
  gtk_main();
  stopping_ = true;  // apply() from now on only drops what arrives (releasing frames)
  mailbox_.drop_frames();
  views_.clear();
  for (auto& [id, w] : windows_) gtk_widget_destroy(w);
  windows_.clear();
  if (tabs_window_) gtk_widget_destroy(tabs_window_);
  tabs_window_ = notebook_ = nullptr;
  readable_.reset();
  // Runs what is still queued (wake-ups pointing at this object included) before it goes.
  while (gtk_events_pending()) gtk_main_iteration();
  gdk_display_flush(gdk_display_get_default());
  g_main_context_release(nullptr);
  end_.returned();
}

GtkWidget* GtkThread::toplevel_of(uint32_t scanout_id) const {
  if (options_.tabs) return tabs_window_;
  auto it = windows_.find(scanout_id);
  return it == windows_.end() ? nullptr : it->second;
}

uint32_t GtkThread::current_scanout(GtkWidget* toplevel) const {
  if (options_.tabs) {
    GtkWidget* page = gtk_notebook_get_nth_page(GTK_NOTEBOOK(notebook_), gtk_notebook_get_current_page(GTK_NOTEBOOK(notebook_)));
    for (const auto& [id, v] : views_)
      if (v->widget() == page) return id;
    return UINT32_MAX;
  }
  for (const auto& [id, w] : windows_)
    if (w == toplevel) return id;
  return UINT32_MAX;
}

void GtkThread::update_title(uint32_t id) {
  const ScanoutView& v = *views_.at(id);
  const std::string name = options_.vm_name.empty() ? "vugpu" : options_.vm_name;
  const std::string scanout =
      "scanout " + std::to_string(id) + " (" + std::to_string(v.mode().width) + "x" + std::to_string(v.mode().height) + ")";
  if (options_.tabs) {
    gtk_window_set_title(GTK_WINDOW(tabs_window_), name.c_str());
    gtk_notebook_set_tab_label_text(GTK_NOTEBOOK(notebook_), v.widget(), scanout.c_str());
  } else {
    gtk_window_set_title(GTK_WINDOW(windows_.at(id)), (name + ": " + scanout).c_str());
  }
}

ScanoutView& GtkThread::view_for(uint32_t id, const DisplayMode& mode) {
  if (auto it = views_.find(id); it != views_.end()) return *it->second;
  auto& view = *views_.emplace(id, std::make_unique<ScanoutView>(
                                       id, options_, [this, id](ViewAction a) { action(id, a); },
                                       [this, id](const DisplayMode& m) {
                                         log_.info("scanout {}: window resized to {}x{}: asking the guest for that mode",
                                                   id, m.width, m.height);
                                         want_mode_(id, m);
                                       }))
                    .first->second;
  view.set_mode(mode);
  const auto new_toplevel = [this] {
    GtkWidget* w = gtk_window_new(GTK_WINDOW_TOPLEVEL);
    g_signal_connect(w, "delete-event", G_CALLBACK(+[](GtkWidget* win, GdkEvent*, gpointer self) -> gboolean {
                       static_cast<GtkThread*>(self)->on_close(win);
                       return TRUE;  // we decide; GTK never destroys it
                     }),
                     this);
    g_signal_connect(w, "key-press-event", G_CALLBACK(+[](GtkWidget* win, GdkEventKey* k, gpointer self) -> gboolean {
                       return static_cast<GtkThread*>(self)->on_key(win, k);
                     }),
                     this);
    if (options_.fullscreen) gtk_window_fullscreen(GTK_WINDOW(w));
    fullscreen_[w] = options_.fullscreen;
    return w;
  };
  GtkWidget* top;
  if (options_.tabs) {
    if (!tabs_window_) {
      tabs_window_ = new_toplevel();
      notebook_ = gtk_notebook_new();
      gtk_notebook_set_scrollable(GTK_NOTEBOOK(notebook_), TRUE);  // labels never widen the window
      gtk_container_add(GTK_CONTAINER(tabs_window_), notebook_);
    }
    gtk_notebook_append_page(GTK_NOTEBOOK(notebook_), view.widget(), nullptr);
    top = tabs_window_;
  } else {
    top = windows_[id] = new_toplevel();
    gtk_container_add(GTK_CONTAINER(top), view.widget());
  }
  // Logical size such that the picture is 1:1 (or the zoom) in device pixels (GDK_SCALE=2).
  GdkMonitor* monitor = gdk_display_get_primary_monitor(gdk_display_get_default());
  if (!monitor) monitor = gdk_display_get_monitor(gdk_display_get_default(), 0);
  const int sf = monitor ? gdk_monitor_get_scale_factor(monitor) : 1;
  const uint32_t z = options_.zoom ? options_.zoom : 1;
  const int logical_w = int((uint64_t{mode.width} * z + sf - 1) / sf), logical_h = int((uint64_t{mode.height} * z + sf - 1) / sf);
  view.set_own_size(uint32_t(logical_w * sf), uint32_t(logical_h * sf));
  // Tabs: the tab labels take room the window's size does not know about; the page asks for the
  // picture's size instead (the window can grow, not shrink below it).
  if (options_.tabs) gtk_widget_set_size_request(view.widget(), logical_w, logical_h);
  else gtk_window_set_default_size(GTK_WINDOW(top), logical_w, logical_h);
  update_title(id);
  log_.info("scanout {}: {} {}x{}", id, options_.tabs ? "tab" : "window", mode.width, mode.height);
  return view;
}

void GtkThread::show(uint32_t id) {
  GtkWidget* top = toplevel_of(id);
  gtk_widget_show_all(top);
  if (options_.tabs) gtk_notebook_set_current_page(GTK_NOTEBOOK(notebook_), gtk_notebook_page_num(GTK_NOTEBOOK(notebook_), views_.at(id)->widget()));
}

void GtkThread::keep_changes() {
  const uint64_t bytes =
      kept_.keep(mailbox_.take(), [this](uint32_t id, const Frame& frame) { return readable_->readable(id, frame); });
  if (bytes) count_copy_(bytes);
}

void GtkThread::apply() {
  if (stopping_) {
    (void)mailbox_.take();  // frames in it are released as the map goes
    return;
  }
  apply(mailbox_.take());
}

void GtkThread::apply(std::map<uint32_t, window::ScanoutChanges> changes) {
  for (auto& [id, c] : changes) {
    if (c.mode) {
      if (c.mode->enabled && c.mode->width > 0 && c.mode->height > 0) {
        ScanoutView& v = view_for(id, *c.mode);
        const bool resized = v.mode().width != c.mode->width || v.mode().height != c.mode->height;
        // The guest taking the mode this window asked for: it has that size already (or its
        // user goes on resizing it); resizing it again would start a loop.
        const bool asked = c.mode->width == v.asked().width && c.mode->height == v.asked().height;
        v.set_mode(*c.mode);
        if (resized) v.forget_asked();
        update_title(id);
        if (resized && !asked && !options_.tabs && !fullscreen_[toplevel_of(id)]) {
          const uint32_t z = v.zoom() ? v.zoom() : 1;
          const int sf = gtk_widget_get_scale_factor(v.widget());
          const int lw = int((uint64_t{c.mode->width} * z + sf - 1) / sf), lh = int((uint64_t{c.mode->height} * z + sf - 1) / sf);
          v.set_own_size(uint32_t(lw * sf), uint32_t(lh * sf));
          gtk_window_resize(GTK_WINDOW(toplevel_of(id)), lw, lh);
        }
        show(id);
      } else if (GtkWidget* top = toplevel_of(id); top && !options_.tabs) {
        gtk_widget_hide(top);
      }
    }
    if (c.frame) {
      window::PendingFrame& f = *c.frame;
      auto it = views_.find(id);
      // A dma-buf frame's read-back is finished here: it reads the guest's buffer no more.
      const Frame* frame = readable_->readable(id, f.frame);
      if (it == views_.end() && frame) {  // a frame before any SET_SCANOUT: show it at its size
        view_for(id, {frame->view.width, frame->view.height, true});
        show(id);
        it = views_.find(id);
      }
      const uint64_t bytes = it == views_.end() || !frame ? 0 : it->second->upload(*frame, f.damage);
      if (bytes) {
        stats_.uploads.fetch_add(1, std::memory_order_relaxed);
        stats_.bytes_copied.fetch_add(bytes, std::memory_order_relaxed);
        count_copy_(bytes);  // before the release: whoever waits for it sees the count
      }
      f.release.release();  // copied (or unusable): the guest may reuse its buffer
      if (!frame) stats_.unreadable.fetch_add(1, std::memory_order_relaxed);
    }
    if (c.cursor)
      if (auto it = views_.find(id); it != views_.end()) it->second->set_cursor(*c.cursor);
  }
}

void GtkThread::action(uint32_t id, ViewAction a) {
  auto it = views_.find(id);
  if (it == views_.end()) return;
  ScanoutView& v = *it->second;
  GtkWidget* top = toplevel_of(id);
  switch (a) {
    case ViewAction::Screenshot: {
      const std::string file = window::expand_screenshot_path(options_.screenshot_path, id, ++screenshots_);
      try {
        v.screenshot(file);
        log_.info("scanout {}: screenshot {}", id, file);
      } catch (const std::exception& e) {
        log_.error("scanout {}: {}", id, e.what());
      }
      break;
    }
    case ViewAction::ToggleFullscreen:
      fullscreen_[top] = !fullscreen_[top];
      if (fullscreen_[top]) gtk_window_fullscreen(GTK_WINDOW(top));
      else gtk_window_unfullscreen(GTK_WINDOW(top));
      break;
    case ViewAction::Fit: v.set_zoom(0); break;
    case ViewAction::Zoom1: v.set_zoom(1); break;
    case ViewAction::Zoom2: v.set_zoom(2); break;
  }
}

bool GtkThread::on_key(GtkWidget* toplevel, const GdkEventKey* key) {
  const uint32_t id = current_scanout(toplevel);
  if (id == UINT32_MAX) return false;
  const bool ctrl = (key->state & GDK_CONTROL_MASK) != 0;
  if (key->keyval == GDK_KEY_F11) action(id, ViewAction::ToggleFullscreen);
  else if (key->keyval == GDK_KEY_F12) action(id, ViewAction::Screenshot);
  else if (ctrl && key->keyval >= GDK_KEY_0 && key->keyval <= GDK_KEY_9) views_.at(id)->set_zoom(key->keyval - GDK_KEY_0);
  else return false;
  return true;
}

void GtkThread::on_close(GtkWidget* toplevel) {
  const uint32_t id = current_scanout(toplevel);
  switch (options_.close) {
    case CloseAction::Hide:
      log_.info("scanout {}: window closed: hidden until the guest sets the scanout again", id);
      gtk_widget_hide(toplevel);
      break;
    case CloseAction::Ignore:
      log_.info("scanout {}: window close ignored (close = \"ignore\")", id);
      break;
    case CloseAction::Exit:
      log_.info("scanout {}: window closed: stopping vugpu (close = \"exit\")", id);
      request_stop_(0);
      break;
  }
}

}  // namespace vugpu::gtk
