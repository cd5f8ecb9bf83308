// B3: round trip. The latency of one command the guest waits for, from the moment it is on the
// ring (kick included) to its used entry:
//   - a fenced RESOURCE_FLUSH of 1x1 on a shown 1280x800 framebuffer (what a guest's page flip
//     waits for: the fence), and
//   - GET_DISPLAY_INFO (answered from the VMM's display channel or from the backend's cache).
// One command in flight at a time, so this is latency, not throughput.
#include <map>
#include <memory>
#include <stdexcept>
#include "arena.hpp"
#include "framebuffer.hpp"
#include "present.hpp"
#include "summary.hpp"
#include "workloads.hpp"

namespace vugpu::bench {

using namespace vugpu::frontend;

namespace {

struct Track {
  std::unique_ptr<Framebuffer> fb;
  uint64_t fence = 0;
  std::vector<double> flush_us, info_us;
  std::vector<double> flush_p50_rounds, info_p50_rounds;  // for per-round ratios
};

std::vector<double> tail(const std::vector<double>& v, size_t n) { return {v.end() - long(std::min(n, v.size())), v.end()}; }

// Submits, waits for the used entry, returns the completion and the microseconds it took.
std::pair<Completion, double> timed(Contender& c, const Bytes& request, uint32_t response_bytes) {
  GuestDriver& gpu = c.gpu();
  const auto t0 = Clock::now();
  const Ticket t = gpu.submit(Queue::Control, request, response_bytes);
  const auto done = [&] {
    gpu.reap();
    return gpu.finished().count(t) > 0;
  };
  if (const WaitResult w = c.vmm().run_until(done, Deadline(Millis(5000))); w != WaitResult::Done)
    throw std::runtime_error(command_name(response_type(request)) + ": " + to_string(w));
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  return {*gpu.take(t), us};
}

void flush_1x1(Contender& c, Track& t) {
  const uint64_t n = t.fence++;
  const GpuRect r{uint32_t(n * 37 % t.fb->width()), uint32_t(n * 11 % t.fb->height()), 1, 1};
  const uint64_t pixels = c.vmm().display().stats().update_pixels;
  auto [done, us] = timed(c, cmd::resource_flush(t.fb->id(), r, fenced(n + 1)), sizeof(virtio_gpu_ctrl_hdr));
  if (done.type() != VIRTIO_GPU_RESP_OK_NODATA || done.fence_id() != n + 1)
    throw std::runtime_error("RESOURCE_FLUSH 1x1: " + response_name(done.type()) + ", fence " + std::to_string(done.fence_id()));
  t.flush_us.push_back(us);
  // Not timed: let the 1x1 UPDATE arrive, so the next sample starts from a quiet channel.
  c.vmm().run_until([&] { return c.vmm().display().stats().update_pixels > pixels; }, Deadline(Millis(5000)));
}

void display_info(Contender& c, Track& t) {
  auto [done, us] = timed(c, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info));
  if (done.type() != VIRTIO_GPU_RESP_OK_DISPLAY_INFO)
    throw std::runtime_error("GET_DISPLAY_INFO: " + response_name(done.type()));
  t.info_us.push_back(us);
}

}  // namespace

void round_trip(Options& o, JsonWriter& w) {
  const auto backends = o.list("backends", "vugpu,qemu-10.0,qemu-7.2");
  const unsigned rounds = o.count("rounds", 5), samples = o.count("samples", 400), warmup = o.count("warmup", 20);
  o.reject_unused();
  constexpr uint32_t kWidth = 1280, kHeight = 800;

  Arena arena(backends, [&](const BackendChoice& b) {
    return std::make_unique<Contender>(b, kWidth, kHeight, ram_for(kWidth, kHeight));
  });
  // After the arena: framebuffers and backings live in its guest RAM and must go first.
  std::map<std::string, Track> tracks;
  arena.each([&](Contender& c) {
    Track& t = tracks[c.name()];
    t.fb = shown_framebuffer(c, kWidth, kHeight, 3);
    for (unsigned i = 0; i < warmup; ++i) {
      flush_1x1(c, t);
      display_info(c, t);
    }
    t.flush_us.clear();
    t.info_us.clear();
  });
  arena.rounds(rounds, [&](Contender& c, unsigned) {
    Track& t = tracks[c.name()];
    for (unsigned i = 0; i < samples; ++i) flush_1x1(c, t);
    for (unsigned i = 0; i < samples; ++i) display_info(c, t);
    t.flush_p50_rounds.push_back(median(tail(t.flush_us, samples)));
    t.info_p50_rounds.push_back(median(tail(t.info_us, samples)));
  });

  w.begin_object().field("workload", "round-trip");
  w.key("params").begin_object().field("width", uint64_t(kWidth)).field("height", uint64_t(kHeight));
  w.field("rounds", uint64_t(rounds)).field("samples_per_round", uint64_t(samples)).end_object();
  arena.write(w, [&](Contender& c, JsonWriter& j) {
    const Track& t = tracks[c.name()];
    j.field("flush_us_p50", percentile(t.flush_us, 0.5)).field("flush_us_p99", percentile(t.flush_us, 0.99));
    j.field("display_info_us_p50", percentile(t.info_us, 0.5)).field("display_info_us_p99", percentile(t.info_us, 0.99));
    j.field("flush_us_p50_rounds", t.flush_p50_rounds).field("display_info_us_p50_rounds", t.info_p50_rounds);
    j.field("samples", uint64_t(t.flush_us.size()));
  });
  w.end_object();
}

}  // namespace vugpu::bench
