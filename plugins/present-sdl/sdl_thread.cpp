#include "sdl_thread.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <fmt/format.h>
#include <stdexcept>
#include "rgb_png.hpp"
#include "toolkit_thread.hpp"
#include "screenshot.hpp"

namespace vugpu::sdl {

namespace {

constexpr size_t kMaxLatencySamples = 100000;
constexpr int kFallbackRefreshHz = 60;
// A window being dragged changes size many times a second: its size goes to the guest once it
// held still this long (one mode change, not dozens).
constexpr std::chrono::milliseconds kResizeDebounce{200};

bool has_env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

}  // namespace

SdlThread::SdlThread(Log& log, const SdlOptions& options, std::function<void(uint64_t)> count_copy,
                     std::function<void(uint32_t, const DisplayMode&)> want_mode,
                     std::function<void(int)> request_stop)
    : log_(log), options_(options), count_copy_(std::move(count_copy)), want_mode_(std::move(want_mode)),
      request_stop_(std::move(request_stop)), mailbox_([this] { wake(); }),
      loss_(log, options.close, mailbox_, request_stop_) {
  thread_ = window::start_toolkit_thread([this](std::promise<std::string>& started) { run(started); });
}

SdlThread::~SdlThread() { stop(); }

void SdlThread::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  waiter_.stop();  // when it waits for its display
  wake();
  // A thread parked after its display was lost never returns: it is left to the process's end.
  if (end_.wait_parked()) {
    thread_.detach();
    stop_waker();  // the SDL thread did not get to it
    // Destroying them would call X, whose lock the parked thread may hold: left to the end.
    for (auto& [id, w] : windows_) (void)w.release();
  } else {
    thread_.join();
  }
}

void SdlThread::wake() {
  if (waiter_.waiting()) {  // no SDL yet: the waiting thread keeps the changes
    waiter_.notify();
    return;
  }
  {
    std::lock_guard lock(waker_mutex_);
    wake_requested_ = true;
  }
  waker_cv_.notify_one();
}

void SdlThread::run_waker() {
  loss_.watch_this_thread(waker_end_);
  std::unique_lock lock(waker_mutex_);
  for (;;) {
    waker_cv_.wait(lock, [this] { return wake_requested_ || waker_stop_; });
    if (waker_stop_) break;
    wake_requested_ = false;
    lock.unlock();
    // SDL_PushEvent is thread-safe and wakes a thread blocked in SDL_WaitEvent: SDL sends an X
    // event for that, on this thread (hence its own thread: the device loop never calls X).
    SDL_Event e{};
    e.type = wake_event_;
    SDL_PushEvent(&e);
    lock.lock();
  }
  lock.unlock();
  waker_end_.returned();
}

void SdlThread::stop_waker() {
  std::lock_guard stopping(waker_stop_mutex_);
  if (!waker_.joinable()) return;
  {
    std::lock_guard lock(waker_mutex_);
    waker_stop_ = true;
  }
  waker_cv_.notify_one();
  if (waker_end_.wait_parked()) waker_.detach();
  else waker_.join();
}

std::chrono::microseconds SdlThread::refresh_interval() const {
  int hz = int(options_.max_fps);
  if (hz == 0) {
    SDL_DisplayMode mode{};
    hz = SDL_GetCurrentDisplayMode(0, &mode) == 0 && mode.refresh_rate > 0 ? mode.refresh_rate : kFallbackRefreshHz;
  }
  return std::chrono::microseconds(1000000 / hz);
}

void SdlThread::run(std::promise<std::string>& started) {
  // vugpu reads SIGINT/SIGTERM itself (signalfd); closing the last window is not "quit".
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  SDL_SetHint(SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE, "0");
  SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
  // Only the drivers of the displays the environment names: when that display is not up, SDL
  // 2.26 would fall back to its "offscreen" driver (invisible windows: vugpu seemed to work) or
  // to KMSDRM (the console). $SDL_VIDEODRIVER, when set, still wins (SDL's rule for hints).
  std::string drivers = has_env("DISPLAY") ? "x11" : "";
  if (has_env("WAYLAND_DISPLAY")) drivers += drivers.empty() ? "wayland" : ",wayland";
  SDL_SetHint(SDL_HINT_VIDEODRIVER, drivers.c_str());
  const auto open_video = []() -> std::string {
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) == 0) return {};
    const char* display = std::getenv("DISPLAY");
    return std::string("SDL cannot start its video on $DISPLAY=") + (display ? display : "") + ": " + SDL_GetError();
  };
  if (options_.wait_for_display) {
    // SDL connects to the session D-Bus once per process, when a subsystem first starts, and
    // autolaunches a bus when there is none (fork + exec dbus-launch): here, before the daemon's
    // sandbox (which denies both), as the video's start does without wait_for_display. The
    // video's start reuses that connection.
    SDL_InitSubSystem(SDL_INIT_EVENTS);
    // vugpu serves from now on; the windows come when the display does (frames kept meanwhile).
    readable_.emplace(log_, "present.sdl", count_copy_);
    waiter_.begin();
    started.set_value({});  // `started` is gone after this line
    if (!waiter_.wait(log_, "SDL", open_video, [this] { keep_changes(); })) {
      mailbox_.close();  // stopped: nothing is kept any more, every frame released as it comes
      readable_.reset();
      SDL_Quit();
      end_.returned();
      return;
    }
  } else if (std::string error = open_video(); !error.empty()) {
    started.set_value(error + " (wait_for_display = true waits for it instead)");
    return;
  }
  wake_event_ = SDL_RegisterEvents(1);
  if (std::string_view(SDL_GetCurrentVideoDriver()) == "x11") {
    const char* display = std::getenv("DISPLAY");
    loss_.set_display(display ? display : "");
    loss_.watch_this_thread(end_);
  }
  waker_ = std::thread([this] { run_waker(); });
  if (!readable_) readable_.emplace(log_, "present.sdl", count_copy_);
  interval_ = refresh_interval();
  log_.info("SDL {}.{}.{}, video driver {}, redraws at most every {} us", SDL_MAJOR_VERSION, SDL_MINOR_VERSION,
            SDL_PATCHLEVEL, SDL_GetCurrentVideoDriver(), interval_.count());
  if (options_.wait_for_display) {
    keep_changes();  // the last ones before wake() went to SDL (waiter_.waiting() is false now)
    apply(kept_.take());
  } else {
    started.set_value({});  // `started` is gone after this line
  }

  while (!stop_.load()) {
    const bool pending_redraw =
        std::any_of(windows_.begin(), windows_.end(), [](const auto& w) { return w.second->dirty; });
    int timeout_ms = -1;  // idle: sleep until an event arrives
    const auto wait_until = [&timeout_ms](Clock::time_point t) {
      const auto wait = int(std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(t - Clock::now()).count()));
      timeout_ms = timeout_ms < 0 ? wait : std::min(timeout_ms, wait);
    };
    if (pending_redraw) wait_until(next_redraw_);
    for (const auto& [id, w] : windows_)
      if (w->resize_due()) wait_until(*w->resize_due());
    SDL_Event e;
    const int got = timeout_ms < 0 ? SDL_WaitEvent(&e) : SDL_WaitEventTimeout(&e, timeout_ms);
    if (got) {
      handle(e);
      while (SDL_PollEvent(&e)) handle(e);
    }
    apply(mailbox_.take());
    if (Clock::now() >= next_redraw_) redraw_due(Clock::now());
    report_resizes(Clock::now());
  }
  stop_waker();  // before SDL goes: it pushes SDL events
  mailbox_.drop_frames();
  windows_.clear();
  readable_.reset();
  SDL_QuitSubSystem(SDL_INIT_VIDEO);
  SDL_Quit();
  end_.returned();
}

void SdlThread::keep_changes() {
  const uint64_t bytes =
      kept_.keep(mailbox_.take(), [this](uint32_t id, const Frame& frame) { return readable_->readable(id, frame); });
  if (bytes) count_copy_(bytes);
}

SdlWindow* SdlThread::window_by_sdl_id(uint32_t sdl_id, uint32_t* scanout_id) {
  for (auto& [id, w] : windows_)
    if (w->sdl_id() == sdl_id) {
      if (scanout_id) *scanout_id = id;
      return w.get();
    }
  return nullptr;
}

void SdlThread::handle(const SDL_Event& e) {
  if (e.type == SDL_WINDOWEVENT) {
    uint32_t id = 0;
    SdlWindow* w = window_by_sdl_id(e.window.windowID, &id);
    if (!w) return;
    switch (e.window.event) {
      case SDL_WINDOWEVENT_CLOSE: on_close(id, *w); break;
      case SDL_WINDOWEVENT_SIZE_CHANGED:
        w->size_changed(e.window.data1, e.window.data2, Clock::now() + kResizeDebounce);
        w->dirty = true;
        break;
      case SDL_WINDOWEVENT_EXPOSED:
      case SDL_WINDOWEVENT_SHOWN: w->dirty = true; break;
      default: break;
    }
  } else if (e.type == SDL_KEYDOWN && !e.key.repeat) {
    uint32_t id = 0;
    SdlWindow* w = window_by_sdl_id(e.key.windowID, &id);
    if (!w) return;
    const SDL_Keycode k = e.key.keysym.sym;
    const bool ctrl = (e.key.keysym.mod & KMOD_CTRL) != 0;
    if (k == SDLK_F11) w->toggle_fullscreen();
    else if (k == SDLK_F12) {
      screenshot_scanout_ = id;
      w->dirty = true;
      next_redraw_ = Clock::now();
    } else if (ctrl && k >= SDLK_0 && k <= SDLK_9) w->set_zoom(uint32_t(k - SDLK_0));
  }
  // SDL_QUIT (the last window closed) means nothing here: on_close decided already.
}

void SdlThread::on_close(uint32_t scanout_id, SdlWindow& w) {
  switch (options_.close) {
    case CloseAction::Hide:
      log_.info("scanout {}: window closed: hidden until the guest sets the scanout again", scanout_id);
      w.hide();
      break;
    case CloseAction::Ignore:
      log_.info("scanout {}: window close ignored (close = \"ignore\")", scanout_id);
      break;
    case CloseAction::Exit:
      log_.info("scanout {}: window closed: stopping vugpu (close = \"exit\")", scanout_id);
      request_stop_(0);
      break;
  }
}

void SdlThread::apply(std::map<uint32_t, ScanoutChanges> changes) {
  for (auto& [id, c] : changes) {
    auto it = windows_.find(id);
    if (c.mode) {
      if (c.mode->enabled && c.mode->width > 0 && c.mode->height > 0) {
        if (it == windows_.end()) {
          try {
            it = windows_.emplace(id, std::make_unique<SdlWindow>(id, *c.mode, options_, log_)).first;
            SDL_RendererInfo info{};
            SDL_GetRendererInfo(it->second->renderer(), &info);
            log_.info("scanout {}: window {}x{}, SDL renderer {}", id, c.mode->width, c.mode->height,
                      info.name ? info.name : "?");
          } catch (const std::exception& e) {
            log_.error("scanout {}: {} (the device goes on without this window)", id, e.what());
          }
        } else {
          it->second->set_mode(*c.mode);
        }
      } else if (it != windows_.end()) {
        it->second->hide();
      }
    }
    if (c.frame) {
      PendingFrame& f = *c.frame;
      // A dma-buf frame's read-back is finished here: it reads the guest's buffer no more.
      const Frame* frame = readable_->readable(id, f.frame);
      if (it == windows_.end() && frame) {  // a frame before any SET_SCANOUT: open at its size
        try {
          it = windows_.emplace(id, std::make_unique<SdlWindow>(id, DisplayMode{f.frame.view.width, f.frame.view.height, true}, options_, log_)).first;
        } catch (const std::exception& e) {
          log_.error("scanout {}: {} (the device goes on without this window)", id, e.what());
        }
      }
      uint64_t bytes = 0;
      auto result = !frame ? ScanoutTexture::Result::Unreadable
                    : it == windows_.end() ? ScanoutTexture::Result::Failed
                                           : it->second->upload(*frame, f.damage, bytes);
      if (result == ScanoutTexture::Result::Uploaded) {
        stats_.uploads.fetch_add(1, std::memory_order_relaxed);
        stats_.bytes_uploaded.fetch_add(bytes, std::memory_order_relaxed);
        count_copy_(bytes);  // before the release: whoever waits for it sees the count
        oldest_undrawn_.try_emplace(id, f.flushed);
      }
      f.release.release();  // uploaded (or unusable): the guest may reuse its buffer
      if (result == ScanoutTexture::Result::Unreadable) {
        stats_.unreadable.fetch_add(1, std::memory_order_relaxed);
      } else if (result == ScanoutTexture::Result::Failed) {
        log_.warn("scanout {}: texture upload failed: {}", id, SDL_GetError());
      }
    }
    if (c.cursor && it != windows_.end()) {
      it->second->set_cursor(*c.cursor);
      it->second->dirty = true;
    }
  }
}

void SdlThread::redraw_due(Clock::time_point now) {
  bool drew = false;
  for (auto& [id, w] : windows_) {
    if (!w->dirty) continue;
    if (SDL_GetWindowFlags(SDL_GetWindowFromID(w->sdl_id())) & SDL_WINDOW_HIDDEN) {
      w->dirty = false;
      continue;
    }
    std::string shot;
    if (screenshot_scanout_ == id) {
      shot = window::expand_screenshot_path(options_.screenshot_path, id, ++screenshots_);
      screenshot_scanout_ = UINT32_MAX;
    }
    try {
      w->draw(shot);
      if (!shot.empty()) log_.info("scanout {}: screenshot {}", id, shot);
    } catch (const std::exception& e) {
      log_.error("scanout {}: {}", id, e.what());
    }
    drew = true;
    stats_.redraws.fetch_add(1, std::memory_order_relaxed);
    if (auto it = oldest_undrawn_.find(id); it != oldest_undrawn_.end()) {
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - it->second).count();
      oldest_undrawn_.erase(it);
      std::lock_guard lock(latency_mutex_);
      if (latency_ms_.size() < kMaxLatencySamples) latency_ms_.push_back(ms);
    }
  }
  if (drew) next_redraw_ = now + interval_;
}

void SdlThread::report_resizes(Clock::time_point now) {
  for (auto& [id, w] : windows_)
    if (std::optional<DisplayMode> mode = w->take_due_resize(now)) {
      log_.info("scanout {}: window resized to {}x{}: asking the guest for that mode", id, mode->width, mode->height);
      want_mode_(id, *mode);
    }
}

std::string SdlThread::latency_summary() const {
  std::vector<double> v;
  {
    std::lock_guard lock(latency_mutex_);
    v = latency_ms_;
  }
  if (v.empty()) return "no frames drawn";
  std::sort(v.begin(), v.end());
  const auto pct = [&v](double p) { return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))]; };
  return fmt::format("flush to window p50 {:.2f} ms, p99 {:.2f} ms over {} redraws", pct(0.5), pct(0.99), v.size());
}

}  // namespace vugpu::sdl
