#include "window_fixture.hpp"

#include <set>
#include <tuple>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>
#include "config/config.hpp"
#include "config/plugin_options.hpp"
#include "plugin/plugin_error.hpp"

namespace vugpu::test {

using namespace std::chrono_literals;

void WindowFixture::SetUp() {
  const char* env = std::getenv("VUGPU_PLUGIN_PATH");
  loader_ = std::make_unique<PluginLoader>(plugin_search_path(env ? env : VUGPU_BUILD_PLUGIN_DIR_DEFAULT, {}));
  ASSERT_TRUE(loader_->find(plugin_)) << plugin_ << " is not built (searched " << describe(loader_->folders()) << ")";
  xvfb_ = std::make_unique<XvfbServer>(1024, 768);
  ::setenv("DISPLAY", xvfb_->display().c_str(), 1);
  ::unsetenv("WAYLAND_DISPLAY");
}

void WindowFixture::TearDown() {
  presenter_.reset();
  x_.reset();
  wm_.reset();
  xvfb_.reset();
}

void WindowFixture::start(const std::string& options) {
  const Config c =
      parse_config("[plugin.\"" + plugin_ + "\"]\nvm_name = \"" + title_prefix_ + "\"\n" + options, "test.toml");
  auto lib = loader_->load(plugin_, PluginKind::Presenter);
  const OptionValues values = resolve_plugin_options(plugin_, lib->options(), &c.plugins.at(plugin_));
  presenter_ = create_presenter(lib, host_, values);
  x_ = std::make_unique<XConnection>(xvfb_->display());
}

std::string WindowFixture::use_display_not_up_yet() {
  later_display_ = XvfbServer::unused_display_number();
  std::string display = ":";  // (not ":" + to_string: GCC 12's -Wrestrict false positive)
  display += std::to_string(*later_display_);
  ::setenv("DISPLAY", display.c_str(), 1);
  return display;
}

void WindowFixture::bring_display_up() {
  x_.reset();
  xvfb_ = std::make_unique<XvfbServer>(1024, 768, later_display_.value());
  // The test's own connection only once the presenter opened the display: one process, one
  // Xlib, whose global lock XOpenDisplay holds until the server answers; GDK opening the display
  // grabs the server (its XSETTINGS check) and then needs that lock: the server would answer
  // neither (seen: 2 hangs in 30 runs).
  if (!wait_logged("display " + xvfb_->display() + " is up after"))
    ADD_FAILURE() << plugin_ << " did not open " << xvfb_->display();
  x_ = std::make_unique<XConnection>(xvfb_->display());
}

bool WindowFixture::press_key(const WindowInfo& window, const std::string& key) {
  // Under a window manager `windowactivate` asks it for the focus (EWMH); without one
  // `windowfocus` sets it directly. --sync: returns once the window has it.
  const std::string focus = wm_ ? "windowactivate" : "windowfocus";
  return std::system(("DISPLAY=" + xvfb_->display() + " xdotool " + focus + " --sync " + std::to_string(window.id) +
                      " key " + key).c_str()) == 0;
}

FrameRelease WindowFixture::counted_release() {
  return FrameRelease([this] {
    std::lock_guard lock(mutex_);
    ++released_;
    cv_.notify_all();
  });
}

bool WindowFixture::wait_released(uint64_t n) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, kDeadline, [&] { return released_ >= n; });
}

uint64_t WindowFixture::released() {
  std::lock_guard lock(mutex_);
  return released_;
}

WindowInfo WindowFixture::wait_window(uint32_t scanout, const std::function<bool(const WindowInfo&)>& ok) {
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  std::optional<WindowInfo> w;
  while (std::chrono::steady_clock::now() < end) {
    w = x_->find(title(scanout));
    if (w && w->viewable && (!ok || ok(*w))) return *w;
    std::this_thread::sleep_for(10ms);
  }
  ADD_FAILURE() << "no viewable window '" << title(scanout) << "' in the wanted state";
  return w.value_or(WindowInfo{});
}

bool WindowFixture::wait_logged(const std::string& needle) {
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  while (log_.count_containing(needle) == 0 && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
  return log_.count_containing(needle) != 0;
}

std::optional<int> WindowFixture::wait_stop_request() {
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  // LoopHostServices::request_stop logs this line on the loop, then stops it.
  const std::string stopping = "stopping vugpu (exit status ";
  while (log_.count_containing(stopping) == 0 && std::chrono::steady_clock::now() < end) loop_.run_once(20);
  if (log_.count_containing(stopping) == 0) return std::nullopt;
  return links_.exit_status;
}

int WindowFixture::run_until_stop_request(int want_status, const std::function<bool()>& check_log,
                                          const std::function<void(const WindowInfo&)>& in_parent) {
  const pid_t child = ::fork();
  if (child < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return -1;
  }
  if (child == 0) {
    try {
      start("close = \"exit\"\n");
      GuestImage img(30, 20, DRM_FORMAT_XRGB8888);
      show_painted(0, img, 1);
      x_.reset();  // only the presenter talks to the X server from here on
      const std::optional<int> status = wait_stop_request();
      const bool logged = !check_log || check_log();
      presenter_->shutdown();
      ::_exit(!status ? 3 : *status != want_status ? 6 : logged ? 0 : 5);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "the child playing the daemon: %s\n", e.what());  // the test's output says why
      ::_exit(4);
    } catch (...) {
      ::_exit(4);
    }
  }
  x_ = std::make_unique<XConnection>(xvfb_->display());
  in_parent(wait_window(0));
  int status = 0;
  if (::waitpid(child, &status, 0) != child) {
    ADD_FAILURE() << "waitpid: " << std::strerror(errno);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string WindowFixture::wait_screen(const std::function<std::string(const Screenshot&)>& check) {
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  std::string error = "no screenshot";
  while (std::chrono::steady_clock::now() < end) {
    error = check(grab_screen(xvfb_->display()));
    if (error.empty()) return error;
    std::this_thread::sleep_for(20ms);
  }
  return error;
}

std::string WindowFixture::shows(const Screenshot& s, int x0, int y0, Rect view, uint32_t zoom,
                                 const std::function<uint32_t(uint32_t, uint32_t)>& seed_at) {
  int bad = 0;
  std::string first;
  for (uint32_t y = 0; y < view.height * zoom; ++y)
    for (uint32_t x = 0; x < view.width * zoom; ++x) {
      const int64_t sx = x0 + int64_t(x), sy = y0 + int64_t(y);
      if (sx < 0 || sy < 0 || sx >= int64_t(s.width) || sy >= int64_t(s.height)) return "picture off screen";
      const uint32_t gx = view.x + x / zoom, gy = view.y + y / zoom;
      const Rgb want = pattern_color(gx, gy, seed_at(gx, gy));
      const Rgb got = s.at(uint32_t(sx), uint32_t(sy));
      if (got != want && bad++ == 0)
        first = "screen " + std::to_string(x) + "," + std::to_string(y) + " got " + std::to_string(got.r) + "," +
                std::to_string(got.g) + "," + std::to_string(got.b) + " want " + std::to_string(want.r) + "," +
                std::to_string(want.g) + "," + std::to_string(want.b);
    }
  return bad ? std::to_string(bad) + " pixels differ; first: " + first : "";
}

uint64_t WindowFixture::blended_pixels(const Screenshot& s, const WindowInfo& area, uint32_t width, uint32_t height,
                                       uint32_t seed) {
  std::set<std::tuple<uint8_t, uint8_t, uint8_t>> guest;
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x) {
      const Rgb c = pattern_color(x, y, seed);
      guest.emplace(c.r, c.g, c.b);
    }
  uint64_t blended = 0;
  for (uint32_t y = 0; y < area.height; ++y)
    for (uint32_t x = 0; x < area.width; ++x) {
      const Rgb c = s.at(uint32_t(area.x) + x, uint32_t(area.y) + y);
      blended += guest.count({c.r, c.g, c.b}) == 0;
    }
  return blended;
}

std::string WindowFixture::shows_letterboxed(const Screenshot& s, const WindowInfo& area, Rect view, uint32_t zoom,
                                             uint32_t seed) {
  const uint32_t pw = view.width * zoom, ph = view.height * zoom;
  if (pw > area.width || ph > area.height) return "picture larger than the area";
  const int x0 = area.x + int((area.width - pw) / 2), y0 = area.y + int((area.height - ph) / 2);
  if (std::string e = shows(s, x0, y0, view, zoom, [seed](uint32_t, uint32_t) { return seed; }); !e.empty()) return e;
  for (uint32_t y = 0; y < area.height; ++y)
    for (uint32_t x = 0; x < area.width; ++x) {
      const int sx = area.x + int(x), sy = area.y + int(y);
      if (sx >= x0 && sx < x0 + int(pw) && sy >= y0 && sy < y0 + int(ph)) continue;
      if (sx < 0 || sy < 0 || sx >= int(s.width) || sy >= int(s.height)) return "area off screen";
      if (s.at(uint32_t(sx), uint32_t(sy)) != Rgb{0, 0, 0})
        return "bar pixel " + std::to_string(x) + "," + std::to_string(y) + " not black";
    }
  return "";
}

std::string WindowFixture::png_shows_pattern(const std::string& file, uint32_t width, uint32_t height,
                                             uint32_t seed) {
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  while (!std::filesystem::exists(file) && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling for a file: no event to wait on
  if (!std::filesystem::exists(file)) return "no screenshot " + file;
  FILE* in = ::popen(("convert " + file + " -depth 8 rgb:-").c_str(), "r");
  if (in == nullptr) return "cannot run convert";
  std::vector<uint8_t> rgb(size_t{width} * height * 3);
  const size_t n = std::fread(rgb.data(), 1, rgb.size(), in);
  ::pclose(in);
  if (n != rgb.size()) return file + ": " + std::to_string(n) + " bytes of RGB, not " + std::to_string(rgb.size());
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x) {
      const uint8_t* got = &rgb[(size_t{y} * width + x) * 3];
      const Rgb want = pattern_color(x, y, seed);
      if (!(Rgb{got[0], got[1], got[2]} == want)) return file + ": pixel " + std::to_string(x) + "," + std::to_string(y) + " differs";
    }
  return "";
}

}  // namespace vugpu::test
