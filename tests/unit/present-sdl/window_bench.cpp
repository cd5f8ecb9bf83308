// Measures a windowed presenter under a private Xvfb (not a test; run by hand):
//   build/tests/unit/present-sdl/present_window_bench present.sdl|present.gtk [frames] ['option = "value"']
// 1920x1080 XRGB8888 frames, full damage, one at a time: flush -> release latency (the frame's
// pixels uploaded/copied on the toolkit thread) p50/p99, CPU per frame of this process and of
// Xvfb, and wake-ups per second of this process's threads while the guest is idle.
#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include "config/config.hpp"
#include "config/plugin_options.hpp"
#include "guest_pattern.hpp"
#include "host/loop_host_services.hpp"
#include "log/spdlog_log.hpp"
#include "plugin/loader.hpp"
#include "xvfb_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds_self() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double cpu_seconds_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(s.substr(s.rfind(')') + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stod(f);
    if (i == 15) { stime = std::stod(f); break; }
  }
  return (utime + stime) / double(::sysconf(_SC_CLK_TCK));
}

uint64_t context_switches_self() {
  uint64_t total = 0;
  for (const auto& t : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(t.path() / "status");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
        total += std::stoull(line.substr(line.find(':') + 1));
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vugpu;
  const std::string name = argc > 1 ? argv[1] : "present.sdl";
  const int frames = argc > 2 ? std::atoi(argv[2]) : 300;
  test::XvfbServer xvfb(2048, 1200);
  ::setenv("DISPLAY", xvfb.display().c_str(), 1);
  EventLoop loop;
  SpdLog log(LogLevel::Info);
  HostLinks links;
  LoopHostServices host(loop, log, links);
  const char* env = std::getenv("VUGPU_PLUGIN_PATH");
  PluginLoader loader(plugin_search_path(env ? env : VUGPU_BUILD_PLUGIN_DIR_DEFAULT, {}));
  auto lib = loader.load(name, PluginKind::Presenter);
  const Config c = parse_config("[plugin.\"" + name + "\"]\nvm_name = \"bench\"\n" + (argc > 3 ? std::string(argv[3]) + "\n" : ""), "bench.toml");
  auto presenter = create_presenter(lib, host, resolve_plugin_options(name, lib->options(), &c.plugins.at(name)));

  test::GuestImage a(1920, 1080, DRM_FORMAT_XRGB8888), b(1920, 1080, DRM_FORMAT_XRGB8888);
  a.paint(1);
  b.paint(2);
  presenter->set_scanout(0, {1920, 1080, true});
  std::mutex m;
  std::condition_variable cv;
  bool released = false;
  const auto present_and_wait = [&](const test::GuestImage& img) {
    {
      std::lock_guard lock(m);
      released = false;
    }
    const auto t0 = Clock::now();
    presenter->present(0, img.frame(), {0, 0, 1920, 1080}, FrameRelease([&] {
                         std::lock_guard lock(m);
                         released = true;
                         cv.notify_all();
                       }));
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return released; });
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  for (int i = 0; i < 10; ++i) present_and_wait(i % 2 ? a : b);  // window up, warm
  std::vector<double> ms;
  const double cpu0 = cpu_seconds_self(), x0 = cpu_seconds_of(xvfb.pid());
  for (int i = 0; i < frames; ++i) {
    ms.push_back(present_and_wait(i % 2 ? a : b));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // ~50 fps guest, not a burst
  }
  const double cpu = cpu_seconds_self() - cpu0, xcpu = cpu_seconds_of(xvfb.pid()) - x0;
  std::sort(ms.begin(), ms.end());
  std::printf("%s: 1920x1080 full frames: flush->release p50 %.2f ms p99 %.2f ms; CPU per frame %.2f ms (vugpu side) + "
              "%.2f ms (Xvfb)\n",
              name.c_str(), ms[ms.size() / 2], ms[size_t(double(ms.size() - 1) * 0.99)], 1000 * cpu / frames,
              1000 * xcpu / frames);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let the last redraw happen
  const uint64_t s0 = context_switches_self();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const uint64_t s1 = context_switches_self();
  std::printf("%s: idle: %.1f wake-ups/s over 5 s (all threads of this process)\n", name.c_str(), double(s1 - s0) / 5.0);
  presenter->shutdown();
  return 0;
}
