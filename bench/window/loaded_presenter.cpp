#include "loaded_presenter.hpp"

#include <cstdlib>
#include "config/config.hpp"
#include "config/plugin_options.hpp"
#include "plugin/search_path.hpp"

namespace vugpu::bench {

namespace {

std::vector<PluginFolder> search_path() {
  const char* env = std::getenv("VUGPU_PLUGIN_PATH");
  return plugin_search_path(env ? env : VUGPU_BUILD_PLUGIN_DIR_DEFAULT, {});
}

}  // namespace

std::optional<std::string> LoadedPresenter::locate(const std::string& name, std::string& searched) {
  const PluginLoader loader(search_path());
  searched = describe(loader.folders());
  if (const auto path = loader.find(name)) return path->string();
  return std::nullopt;
}

LoadedPresenter::LoadedPresenter(const std::string& name, const std::string& vm_name, const std::string& options)
    : loader_(search_path()) {
  const Config c = parse_config("[plugin.\"" + name + "\"]\nvm_name = \"" + vm_name + "\"\n" + options + "\n", "bench.toml");
  auto lib = loader_.load(name, PluginKind::Presenter);
  presenter_ = create_presenter(lib, host_, resolve_plugin_options(name, lib->options(), &c.plugins.at(name)));
}

LoadedPresenter::~LoadedPresenter() {
  if (presenter_) presenter_->shutdown();
}

void LoadedPresenter::present(uint32_t scanout_id, const Frame& frame, const Rect& damage) {
  {
    std::lock_guard lock(mutex_);
    released_.reset();
  }
  presenter_->present(scanout_id, frame, damage, FrameRelease([this] {
                        const auto now = Clock::now();
                        std::lock_guard lock(mutex_);
                        released_ = now;
                        cv_.notify_all();
                      }));
}

std::optional<LoadedPresenter::Clock::time_point> LoadedPresenter::wait_released(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  cv_.wait_until(lock, deadline, [&] { return released_.has_value(); });
  return released_;
}

}  // namespace vugpu::bench
