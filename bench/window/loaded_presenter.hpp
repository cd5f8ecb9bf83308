// The presenter under measurement, loaded through the real plugin loader and driven as the
// device loop drives it (set_scanout, present with a FrameRelease), with the time each frame
// was released (for present.sdl / present.gtk: once its pixels were uploaded on the toolkit
// thread). No hook inside the plugin.
//
// Threading: every call on the benchmark's thread (the device loop's role); the release runs on
// the plugin's toolkit thread and only stamps the time.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include "host/loop_host_services.hpp"
#include "log/spdlog_log.hpp"
#include "plugin/loader.hpp"

namespace vugpu::bench {

class LoadedPresenter {
 public:
  using Clock = std::chrono::steady_clock;

  // Where `name` would be loaded from ($VUGPU_PLUGIN_PATH, else the build tree's plugins), or
  // nothing, with `searched` naming the folders.
  static std::optional<std::string> locate(const std::string& name, std::string& searched);

  // Loads `name` with vm_name = `vm_name` and `options` (TOML lines of its table). Throws
  // std::runtime_error (PluginError) when it cannot.
  LoadedPresenter(const std::string& name, const std::string& vm_name, const std::string& options);
  ~LoadedPresenter();  // shutdown(): the plugin's threads stop
  LoadedPresenter(const LoadedPresenter&) = delete;
  LoadedPresenter& operator=(const LoadedPresenter&) = delete;

  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) { presenter_->set_scanout(scanout_id, mode); }
  // One RESOURCE_FLUSH as the device loop hands it over; the previous frame must be released.
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage);
  // When the last presented frame was released; nothing if not by `deadline`.
  std::optional<Clock::time_point> wait_released(Clock::time_point deadline);

 private:
  EventLoop loop_;  // never run: nothing the windowed presenters post to it is measured here
  SpdLog log_{LogLevel::Warn};
  HostLinks links_;
  LoopHostServices host_{loop_, log_, links_};
  PluginLoader loader_;
  PluginInstance<Presenter> presenter_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<Clock::time_point> released_;
};

}  // namespace vugpu::bench
