// vugpu-bench-window: one windowed presenter (present.sdl, present.gtk) under a private Xvfb,
// loaded through the real plugin loader and driven as the device loop drives it; one JSON
// object on stdout (bench/run runs it per presenter and puts the table beside the others):
//
//   vugpu-bench-window --presenter=present.sdl [--frames=300 --warmup=10 --interval-ms=20
//                      --idle-seconds=5 --settle-ms=500 --size=1920x1080 --verify-every=10
//                      --option='key = "v"']
//
// Per frame (a full-damage XRGB8888 frame, the pattern alternating so every frame differs from
// the one shown): flush -> pixels in the window (DamageWatch: the X server's copy of the window
// covered by damage reported since the flush, and then its centre pixel the new frame's: the
// old frame drawn again by an expose does not stop the clock) and flush -> release (the frame uploaded on the
// toolkit thread), one frame at a time, --interval-ms apart (a guest at ~50 fps, not a burst).
// CPU per frame: the presenter's threads (every thread but this one, plus this thread's time
// inside present()) and Xvfb, over the measured frames; the whole process's (this thread's
// X watching and pixel checks too) in the JSON only. Idle: context switches of the
// presenter's threads (and of Xvfb) over --idle-seconds with no frames, and the window's
// redraws meanwhile. Exit 77 with "SKIPPED: <reason>" when the presenter is not built or Xvfb
// is missing.
#include <sys/syscall.h>
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>
#include "cpu_clock.hpp"
#include "damage_watch.hpp"
#include "guest_pattern.hpp"
#include "json_writer.hpp"
#include "loaded_presenter.hpp"
#include "options.hpp"
#include "summary.hpp"
#include "xvfb_server.hpp"

using namespace vugpu;
using namespace vugpu::bench;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kSkip = 77;
constexpr std::chrono::seconds kSafetyNet{15};  // window creation; every wait ends on its event

double ms_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

uint64_t thread_cpu_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    if (::access((dirs.substr(start, end - start) + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

struct Settings {
  std::string presenter, option;
  uint32_t width, height, frames, warmup, interval_ms, verify_every;
  double idle_seconds;
  uint32_t settle_ms;
};

Settings parse(Options& o) {
  Settings s;
  s.presenter = o.text("presenter", "present.sdl");
  s.option = o.text("option", "");
  const auto size = o.sizes("size", "1920x1080").at(0);
  s.width = size.first;
  s.height = size.second;
  s.frames = std::max<uint32_t>(1, o.count("frames", 300));
  s.warmup = o.count("warmup", 10);
  s.interval_ms = o.count("interval-ms", 20);
  s.verify_every = std::max<uint32_t>(1, o.count("verify-every", 10));
  s.idle_seconds = o.number("idle-seconds", 5);
  s.settle_ms = o.count("settle-ms", 500);
  o.reject_unused();
  return s;
}

// Checks three pixels of the window (corners and centre) against the pattern: the damage that
// stopped the clock was the new frame, not some other drawing. Only at 1:1 (the window has the
// frame's size); "" when they match, else what differs.
std::string check_pixels(DamageWatch& watch, const test::GuestImage& img, uint32_t seed) {
  if (watch.width() != img.width || watch.height() != img.height) return "";
  const uint32_t points[3][2] = {{0, 0}, {img.width / 2, img.height / 2}, {img.width - 1, img.height - 1}};
  for (const auto& p : points) {
    const test::Rgb want = test::pattern_color(p[0], p[1], seed), got = watch.pixel(int(p[0]), int(p[1]));
    if (!(want == got)) {
      char text[160];
      std::snprintf(text, sizeof text, "(%u,%u) is %d,%d,%d, frame of seed %u has %d,%d,%d", p[0], p[1], got.r, got.g,
                    got.b, seed, want.r, want.g, want.b);
      return text;
    }
  }
  return "";
}

int run(const Settings& s, JsonWriter& w) {
  std::string searched;
  if (!LoadedPresenter::locate(s.presenter, searched)) {
    std::fprintf(stderr, "SKIPPED: %s is not built (searched %s)\n", s.presenter.c_str(), searched.c_str());
    return kSkip;
  }
  if (!on_path("Xvfb")) {
    std::fprintf(stderr, "SKIPPED: Xvfb is not installed (package xvfb)\n");
    return kSkip;
  }
  const pid_t self = ::getpid(), me = pid_t(::syscall(SYS_gettid));
  // Room for the whole window at 1:1 (no window manager: it sits at the top left).
  test::XvfbServer xvfb(std::max(s.width + 64, 1024u), std::max(s.height + 64, 768u));
  ::setenv("DISPLAY", xvfb.display().c_str(), 1);
  ::unsetenv("WAYLAND_DISPLAY");

  // Two patterns taking turns: every frame differs from the one the window shows.
  const uint32_t seeds[2] = {1, 2};
  std::vector<test::GuestImage> images;
  for (uint32_t seed : seeds) {
    images.emplace_back(s.width, s.height, DRM_FORMAT_XRGB8888);
    images.back().paint(seed);
  }
  const Rect all{0, 0, s.width, s.height};

  LoadedPresenter presenter(s.presenter, "bench", s.option);
  presenter.set_scanout(0, {s.width, s.height, true});
  presenter.present(0, images[0].frame(), all);
  DamageWatch watch(xvfb.display(), "bench: scanout 0", Clock::now() + kSafetyNet);
  if (!presenter.wait_released(Clock::now() + kSafetyNet)) throw std::runtime_error("the first frame was never released");

  std::vector<double> pixels_ms, release_ms;
  uint64_t lost = 0, stale = 0, checked = 0, mismatched = 0, in_present_ns = 0;
  std::string first_mismatch;
  const auto frame_timeout = std::chrono::seconds(2);  // a frame not shown by then counts as lost
  uint64_t cpu0 = 0, all_cpu0 = 0, x_cpu0 = 0;
  std::map<std::string, uint64_t> by_thread0;
  Clock::time_point start;
  for (uint32_t i = 0; i < s.warmup + s.frames; ++i) {
    if (i == s.warmup) {
      cpu0 = process_cpu_ns(self, me).value_or(0);
      all_cpu0 = process_cpu_ns(self).value_or(0);
      by_thread0 = process_cpu_ns_by_thread(self, me);
      x_cpu0 = process_cpu_ns(xvfb.pid()).value_or(0);
      start = Clock::now();
      stale = 0;
    }
    const uint32_t which = (i + 1) % 2;  // frame 0 (before the loop) showed images[0]
    watch.forget();
    const uint64_t c0 = thread_cpu_ns();
    const auto t0 = Clock::now();
    presenter.present(0, images[which].frame(), all);
    const uint64_t c1 = thread_cpu_ns();
    // The centre pixel tells the new frame from the old one drawn again (untimed: after the
    // covering report was read).
    const auto shown = watch.wait_covered(
        t0 + frame_timeout,
        [&] { return watch.pixel(int(s.width / 2), int(s.height / 2)) == test::pattern_color(s.width / 2, s.height / 2, seeds[which]); },
        stale);
    const auto released = presenter.wait_released(t0 + frame_timeout);
    if (!released) throw std::runtime_error("frame " + std::to_string(i) + " was not released within 2 s");
    if (i < s.warmup) continue;
    in_present_ns += c1 - c0;
    release_ms.push_back(ms_between(t0, *released));
    if (!shown) {
      ++lost;
    } else {
      pixels_ms.push_back(ms_between(t0, *shown));
      if ((i - s.warmup) % s.verify_every == 0) {  // untimed: after the clock stopped
        const std::string why = check_pixels(watch, images[which], seeds[which]);
        ++checked;
        if (!why.empty()) {
          ++mismatched;
          if (first_mismatch.empty()) first_mismatch = "frame " + std::to_string(i) + ": " + why;
        }
      }
    }
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(s.interval_ms));  // pacing, not synchronisation
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t cpu = process_cpu_ns(self, me).value_or(0) - cpu0 + in_present_ns;
  const uint64_t all_cpu = process_cpu_ns(self).value_or(0) - all_cpu0;  // + the benchmark's own thread
  std::map<std::string, uint64_t> by_thread = process_cpu_ns_by_thread(self, me);
  for (auto& [name, ns] : by_thread) ns -= std::min(ns, by_thread0[name]);  // a thread born meanwhile: all of it
  const uint64_t x_cpu = process_cpu_ns(xvfb.pid()).value_or(0) - x_cpu0;

  // Idle: no frames for --idle-seconds, counted once the window saw no drawing for --settle-ms
  // (the wind-down of the last frame is not idleness).
  watch.wait_quiet(std::chrono::milliseconds(s.settle_ms), Clock::now() + std::chrono::milliseconds(s.settle_ms) + kSafetyNet);
  const auto idle = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s.idle_seconds));
  const uint64_t sw0 = process_context_switches(self, me).value_or(0);
  const uint64_t xw0 = process_context_switches(xvfb.pid()).value_or(0);
  const uint64_t redraws = watch.count_until(Clock::now() + idle);
  const uint64_t sw1 = process_context_switches(self, me).value_or(0);
  const uint64_t xw1 = process_context_switches(xvfb.pid()).value_or(0);

  const double n = double(s.frames);
  w.begin_object()
      .field("workload", "window")
      .field("presenter", s.presenter)
      .key("params")
      .begin_object()
      .field("width", uint64_t{s.width})
      .field("height", uint64_t{s.height})
      .field("frames", uint64_t{s.frames})
      .field("warmup", uint64_t{s.warmup})
      .field("interval_ms", uint64_t{s.interval_ms})
      .field("idle_seconds", s.idle_seconds)
      .field("settle_ms", uint64_t{s.settle_ms})
      .field("option", s.option)
      .end_object()
      .field("window_width", uint64_t{watch.width()})
      .field("window_height", uint64_t{watch.height()})
      .field("pixels_ms_p50", percentile(pixels_ms, 0.5))
      .field("pixels_ms_p99", percentile(pixels_ms, 0.99))
      .field("pixels_ms_max", percentile(pixels_ms, 1.0))
      .field("release_ms_p50", percentile(release_ms, 0.5))
      .field("release_ms_p99", percentile(release_ms, 0.99))
      .field("frames_lost", lost)
      .field("stale_coverings", stale)
      .field("frames_per_s", n / seconds)
      .field("presenter_cpu_ms_per_frame", double(cpu) / 1e6 / n)
      .field("present_call_cpu_ms_per_frame", double(in_present_ns) / 1e6 / n)
      .field("process_cpu_ms_per_frame", double(all_cpu) / 1e6 / n)
      .key("presenter_cpu_ms_per_frame_by_thread")
      .begin_object();
  for (const auto& [name, ns] : by_thread) w.field(name, double(ns) / 1e6 / n);
  w.end_object()
      .field("xvfb_cpu_ms_per_frame", double(x_cpu) / 1e6 / n)
      .field("idle_wakeups_per_s", double(sw1 - sw0) / s.idle_seconds)
      .field("xvfb_idle_wakeups_per_s", double(xw1 - xw0) / s.idle_seconds)
      .field("idle_redraws", redraws)
      .field("pixels_checked", checked)
      .field("pixels_mismatched", mismatched)
      .field("pixels_mismatch", first_mismatch)
      .field("pixels_ms", pixels_ms)
      .field("ok", lost == 0 && mismatched == 0)
      .end_object();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options options(argc, argv, 1);
    const Settings s = parse(options);
    JsonWriter w;
    const int status = run(s, w);
    if (status == 0) std::printf("%s\n", w.str().c_str());
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vugpu-bench-window: %s\n", e.what());
    return 1;
  }
}
