// B4: resource churn. One cycle = RESOURCE_CREATE_2D + RESOURCE_ATTACH_BACKING + RESOURCE_UNREF
// of a small resource, queued behind one kick as a guest driver does when it makes and drops
// buffers (cursor images, dumb buffers of short-lived windows). Cycles/s measures per-command
// cost; RSS before and after shows whether anything stays behind.
#include <map>
#include <memory>
#include <stdexcept>
#include "arena.hpp"
#include "memory_usage.hpp"
#include "summary.hpp"
#include "workloads.hpp"

namespace vugpu::bench {

using namespace vugpu::frontend;

namespace {

struct Track {
  GuestAllocation backing;  // the same guest pages back every resource
  uint32_t next_id = 100;
  std::vector<double> rate_rounds;
  uint64_t cycles = 0;
  MemoryUsage before, after;
  double cpu0 = 0, cpu_s = 0;
};

void cycle(Contender& c, Track& t, uint32_t width, uint32_t height) {
  GuestDriver& gpu = c.gpu();
  const uint32_t id = t.next_id++;
  const auto hdr = uint32_t(sizeof(virtio_gpu_ctrl_hdr));
  const auto entries = t.backing.entries();
  const Ticket tickets[] = {
      gpu.submit(Queue::Control, cmd::resource_create_2d(id, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, width, height), hdr, {}, false),
      gpu.submit(Queue::Control, cmd::attach_backing(id, entries), hdr, {}, false),
      gpu.submit(Queue::Control, cmd::resource_unref(id), hdr, {}, false)};
  gpu.kick(Queue::Control);
  const auto done = [&] {
    gpu.reap();
    for (const Ticket k : tickets)
      if (!gpu.finished().count(k)) return false;
    return true;
  };
  if (const WaitResult w = c.vmm().run_until(done, Deadline(Millis(5000))); w != WaitResult::Done)
    throw std::runtime_error(std::string("churn cycle: ") + to_string(w));
  for (const Ticket k : tickets)
    if (const uint32_t type = gpu.take(k)->type(); type != VIRTIO_GPU_RESP_OK_NODATA)
      throw std::runtime_error("churn cycle answered " + response_name(type));
}

}  // namespace

void churn(Options& o, JsonWriter& w) {
  const auto backends = o.list("backends", "vugpu,qemu-10.0,qemu-7.2");
  const auto [width, height] = o.sizes("size", "64x64").front();
  const unsigned rounds = o.count("rounds", 5), cycles = o.count("cycles", 10000);
  o.reject_unused();
  const unsigned per_round = std::max(1u, cycles / std::max(1u, rounds));

  Arena arena(backends, [&](const BackendChoice& b) { return std::make_unique<Contender>(b, 1280, 800, ram_for(width, height)); });
  // After the arena: framebuffers and backings live in its guest RAM and must go first.
  std::map<std::string, Track> tracks;
  arena.each([&](Contender& c) {
    Track& t = tracks[c.name()];
    t.backing = c.vmm().allocator().allocate(uint64_t(width) * height * 4);
    if (t.backing.empty()) throw std::runtime_error("guest RAM exhausted (resource backing)");
    // "before": the booted backend, before its first resource.
    const auto m = read_memory_usage(c.process().pid());
    if (!m) throw std::runtime_error(c.name() + " has exited");
    t.before = *m;
    t.cpu0 = c.stats().cpu_seconds;
  });
  arena.rounds(rounds, [&](Contender& c, unsigned) {
    Track& t = tracks[c.name()];
    const auto t0 = Clock::now();
    for (unsigned i = 0; i < per_round; ++i) cycle(c, t, width, height);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    t.rate_rounds.push_back(s > 0 ? per_round / s : 0);
    t.cycles += per_round;
  });
  arena.each([&](Contender& c) {
    Track& t = tracks[c.name()];
    t.cpu_s = c.stats().cpu_seconds - t.cpu0;
    const auto m = read_memory_usage(c.process().pid());
    if (!m) throw std::runtime_error(c.name() + " has exited");
    t.after = *m;
  });

  w.begin_object().field("workload", "churn");
  w.key("params").begin_object().field("width", uint64_t(width)).field("height", uint64_t(height));
  w.field("rounds", uint64_t(rounds)).field("cycles", uint64_t(per_round) * rounds).end_object();
  arena.write(w, [&](Contender& c, JsonWriter& j) {
    const Track& t = tracks[c.name()];
    j.field("rate", median(t.rate_rounds)).field("rate_rounds", t.rate_rounds).field("cycles", t.cycles);
    j.field("cpu_s_per_cycle", t.cycles ? t.cpu_s / double(t.cycles) : 0.0);
    // The backend's own memory (RssAnon) is what a leak grows; VmRSS also counts the guest RAM
    // pages it has touched (RssShmem), which grows as the guest's allocator moves through RAM.
    j.field("rss_before_bytes", t.before.anon).field("rss_after_bytes", t.after.anon);
    j.field("rss_growth_bytes", double(t.after.anon) - double(t.before.anon));
    j.field("vmrss_before_bytes", t.before.rss).field("vmrss_after_bytes", t.after.rss);
    j.field("shmem_before_bytes", t.before.shmem).field("shmem_after_bytes", t.after.shmem);
  });
  w.end_object();
}

}  // namespace vugpu::bench
