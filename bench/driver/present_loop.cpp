#include "present_loop.hpp"
#include <time.h>
#include <map>
#include <memory>
#include <stdexcept>
#include "arena.hpp"
#include "cpu_clock.hpp"
#include "cost_meter.hpp"
#include "present.hpp"
#include "summary.hpp"

namespace vugpu::bench {

using namespace vugpu::frontend;

namespace {

struct Track {
  std::unique_ptr<Framebuffer> fb;
  uint64_t next = 0;  // index of the next present (rect sequence, fence id, colour)
  CostMeter meter;
  Cost cost;
  uint64_t presents = 0, rect_bytes = 0;
  std::vector<double> rate_rounds, latency_ms;
  // The backend's CPU per present in each round (ns clock, cpu_clock.hpp), and its total.
  std::vector<double> cpu_ms_rounds;
  uint64_t cpu_ns = 0;
  bool cpu_ns_ok = true;
  // The stand-in VMM + guest (this process's thread) during this backend's rounds: the half of
  // every frame's path that is the same for all backends (socket read, composing the UPDATE).
  double vmm_cpu_s = 0;
  uint64_t compose_ns0 = 0, compose_ns = 0;
  std::string mismatch;  // empty = the VMM shows exactly what the guest drew
  uint64_t display_errors = 0;
};

double per(double total, uint64_t n) { return n ? total / double(n) : 0; }

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

}  // namespace

void run_present_loop(const PresentPlan& plan, const std::vector<std::string>& backends, JsonWriter& w) {
  Arena arena(backends, [&](const BackendChoice& b) {
    return std::make_unique<Contender>(b, plan.width, plan.height, ram_for(plan.width, plan.height));
  });
  // After the arena: framebuffers and backings live in its guest RAM and must go first.
  std::map<std::string, Track> tracks;

  // One present: the guest draws into the rectangle (not timed: guest work), then presents it.
  const auto present = [&](Contender& c, Track& t) -> double {
    const uint64_t n = t.next++;
    const GpuRect r = plan.rect(n);
    const uint32_t rows = std::min<uint32_t>(r.height, 8);  // a moving stripe: every frame differs
    t.fb->fill_rect({r.x, r.y + uint32_t(n * 8 % (r.height - rows + 1)), r.width, rows}, uint32_t(n * 0x010203u));
    const auto t0 = Clock::now();
    present_fenced(c, *t.fb, r, n + 1);
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };

  arena.each([&](Contender& c) {
    Track& t = tracks[c.name()];
    t.fb = shown_framebuffer(c, plan.width, plan.height, 7, plan.format);
    for (unsigned i = 0; i < plan.warmup; ++i) present(c, t);
    t.meter.start(c);
    t.compose_ns0 = c.vmm().display().stats().compose_ns;
  });

  arena.rounds(plan.rounds, [&](Contender& c, unsigned) {
    Track& t = tracks[c.name()];
    double busy = 0;
    const double cpu0 = thread_cpu_seconds();
    const std::optional<uint64_t> backend0 = process_cpu_ns(c.process().pid());
    for (unsigned i = 0; i < plan.per_round; ++i) {
      const GpuRect r = plan.rect(t.next);
      const double s = present(c, t);
      busy += s;
      t.latency_ms.push_back(s * 1e3);
      t.rect_bytes += uint64_t(r.width) * r.height * 4;
      ++t.presents;
    }
    t.vmm_cpu_s += thread_cpu_seconds() - cpu0;
    const std::optional<uint64_t> backend1 = process_cpu_ns(c.process().pid());
    if (backend0 && backend1 && *backend1 >= *backend0) {
      t.cpu_ns += *backend1 - *backend0;
      t.cpu_ms_rounds.push_back(double(*backend1 - *backend0) * 1e-6 / plan.per_round);
    } else {
      t.cpu_ns_ok = false;
    }
    t.rate_rounds.push_back(busy > 0 ? plan.per_round / busy : 0);
  });

  arena.each([&](Contender& c) {
    Track& t = tracks[c.name()];
    t.cost = t.meter.stop(c, t.rect_bytes);
    t.compose_ns = c.vmm().display().stats().compose_ns - t.compose_ns0;
    t.mismatch = t.fb->compare(c.vmm().display().surface(0));
    t.display_errors = c.vmm().display().errors().size();
  });

  arena.write(w, [&](Contender& c, JsonWriter& j) {
    const Track& t = tracks[c.name()];
    j.field("rate", median(t.rate_rounds)).field("rate_rounds", t.rate_rounds);
    j.field("latency_ms_p50", percentile(t.latency_ms, 0.5)).field("latency_ms_p99", percentile(t.latency_ms, 0.99));
    j.field("presents", t.presents);
    j.field("rect_bytes_per_present", per(double(t.rect_bytes), t.presents));
    // CPU: the ns clock when every round had it, else /proc/PID/stat's ticks (10 ms).
    j.field("cpu_s_ticks", t.cost.cpu_seconds).field("cpu_s_per_present_ticks", per(t.cost.cpu_seconds, t.presents));
    const double cpu_s = t.cpu_ns_ok ? double(t.cpu_ns) * 1e-9 : t.cost.cpu_seconds;
    j.field("cpu_s", cpu_s).field("cpu_s_per_present", per(cpu_s, t.presents));
    j.field("cpu_clock", t.cpu_ns_ok ? "schedstat (ns), per round" : "/proc/PID/stat ticks, whole run");
    if (t.cpu_ns_ok) j.field("cpu_ms_per_present_rounds", t.cpu_ms_rounds);
    j.field("vmm_cpu_s_per_present", per(t.vmm_cpu_s, t.presents));
    j.field("vmm_compose_s_per_present", per(double(t.compose_ns) * 1e-9, t.presents));
    j.field("socket_bytes_per_present", per(double(t.cost.socket_bytes), t.presents));
    if (t.cost.device_copied_bytes)
      j.field("device_copied_bytes_per_present", per(double(*t.cost.device_copied_bytes), t.presents));
    if (t.cost.copied_bytes) j.field("copied_bytes_per_present", per(double(*t.cost.copied_bytes), t.presents));
    else j.key("copied_bytes_per_present").null();
    j.field("copied_source", t.cost.copied_source);
    j.field("rss_bytes", t.cost.rss_bytes);
    j.field("pixels_match", t.mismatch.empty());
    if (!t.mismatch.empty()) j.field("pixels_mismatch", t.mismatch);
    j.field("display_protocol_errors", t.display_errors);
  });
}

}  // namespace vugpu::bench
