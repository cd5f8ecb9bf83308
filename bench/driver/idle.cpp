// B7: an idle guest. A 1920x1080 framebuffer is shown and one full frame presented (fence back,
// the VMM holds the UPDATE), then nothing for --seconds while the stand-in VMM keeps serving the
// backend's sockets: the backend's wake-ups per second (context switches of all its threads,
// /proc/PID/task/*/status) and CPU in that time. Issue 10: an idle guest costs no wake-ups;
// this is present.vhost-user's figure next to the windowed presenters' (bench/window).
#include <sys/types.h>
#include <map>
#include <memory>
#include <stdexcept>
#include "arena.hpp"
#include "cpu_clock.hpp"
#include "framebuffer.hpp"
#include "present.hpp"
#include "workloads.hpp"

namespace vugpu::bench {

using namespace vugpu::frontend;

namespace {

struct Track {
  std::unique_ptr<Framebuffer> fb;
  uint64_t switches = 0, cpu_ns = 0;
};

}  // namespace

void idle(Options& o, JsonWriter& w) {
  const auto backends = o.list("backends", "vugpu,qemu-10.0,qemu-7.2");
  const double seconds = o.number("seconds", 5), settle = o.number("settle-seconds", 0.5);
  o.reject_unused();
  constexpr uint32_t kWidth = 1920, kHeight = 1080;

  Arena arena(backends, [&](const BackendChoice& b) {
    return std::make_unique<Contender>(b, kWidth, kHeight, ram_for(kWidth, kHeight));
  });
  // After the arena: framebuffers and backings live in its guest RAM and must go first.
  std::map<std::string, Track> tracks;
  arena.each([&](Contender& c) {
    Track& t = tracks[c.name()];
    t.fb = shown_framebuffer(c, kWidth, kHeight, 5);
    present_fenced(c, *t.fb, GpuRect{0, 0, kWidth, kHeight}, 1);
  });
  const auto serve_for = [](Contender& c, double s) {  // the VMM keeps serving; the guest is silent
    c.vmm().run_until([] { return false; }, Deadline(std::chrono::duration_cast<Millis>(std::chrono::duration<double>(s))));
  };
  arena.each([&](Contender& c) {
    Track& t = tracks[c.name()];
    serve_for(c, settle);  // the wind-down of the frame is not idleness
    const pid_t pid = c.process().pid();
    const auto s0 = process_context_switches(pid), n0 = process_cpu_ns(pid);
    serve_for(c, seconds);
    const auto s1 = process_context_switches(pid), n1 = process_cpu_ns(pid);
    if (!s0 || !s1 || !n0 || !n1) throw std::runtime_error("the backend's /proc entries are gone");
    t.switches = *s1 - *s0;
    t.cpu_ns = *n1 - *n0;
  });

  w.begin_object().field("workload", "idle");
  w.key("params").begin_object().field("width", uint64_t(kWidth)).field("height", uint64_t(kHeight));
  w.field("seconds", seconds).field("settle_seconds", settle).end_object();
  arena.write(w, [&](Contender& c, JsonWriter& j) {
    const Track& t = tracks[c.name()];
    j.field("idle_wakeups_per_s", double(t.switches) / seconds).field("idle_context_switches", t.switches);
    j.field("idle_cpu_ms_per_s", double(t.cpu_ns) / 1e6 / seconds);
  });
  w.end_object();
}

}  // namespace vugpu::bench
