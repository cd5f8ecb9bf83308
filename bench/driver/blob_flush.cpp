// B6: full-frame flush of a blob scanout (issue 9) next to the 2D path, at one size per call:
//
//   vugpu-bench blob-flush --size=3840x2160 [--rounds=5 --frames=20 --backends=...]
//
// Backends (all through the same stand-in VMM, taking turns):
//   vugpu-2d             vugpu, default config: TRANSFER_TO_HOST_2D + fenced RESOURCE_FLUSH
//   vugpu-blob           vugpu, blob = "blob.guest": Linux's blob dumb-buffer sequence (unfenced
//                        TRANSFER_TO_HOST_2D that copies nothing + fenced RESOURCE_FLUSH)
//   vugpu-2d-headless    the same two with presenters = ["present.headless"] and no snapshots
//   vugpu-blob-headless  (no UPDATE to wait for: the fence alone)
//   qemu-10.0            QEMU 10's vhost-user-gpu, 2D path
// One unit: the guest draws an 8-row stripe (not timed), then the commands behind one kick,
// done when the flush's fence is back and, with present.vhost-user, the VMM holds the whole
// UPDATE. Reported per backend: fenced flush latency p50/p99, backend CPU per frame (schedstat
// ns, per round; the tick clock only where schedstat is missing), and the
// bytes the DEVICE copied per flush (vugpu's --stats-file device_bytes_copied: renderer and blob
// provider, not the presenter's write into the VMM's socket), plus all bytes copied.
#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <functional>
#include "contender.hpp"
#include "blob_dumb_buffer.hpp"
#include "cost_meter.hpp"
#include "cpu_clock.hpp"
#include "present.hpp"
#include "summary.hpp"
#include "workloads.hpp"

namespace vugpu::bench {

using namespace vugpu::frontend;

namespace {

struct Variant {
  bool blob = false, headless = false;
};

Variant variant_of(const std::string& name) {
  return {name.find("blob") != std::string::npos, name.find("headless") != std::string::npos};
}

std::string write_config(const std::string& tag, const Variant& v, uint32_t w, uint32_t h) {
  const std::string path = "/tmp/vugpu-bench-b6-" + std::to_string(::getpid()) + "-" + tag + ".toml";
  std::ofstream f(path);
  f << "renderer = \"renderer.pixman\"\n";
  f << "presenters = [\"" << (v.headless ? "present.headless" : "present.vhost-user") << "\"]\n";
  f << "blob = \"" << (v.blob ? "blob.guest" : "") << "\"\n";
  f << "[[display.scanout]]\nwidth = " << w << "\nheight = " << h << "\n";
  if (v.headless) f << "[plugin.\"present.headless\"]\nsnapshot_path = \"\"\nsnapshot_on_exit = false\n";
  return path;
}

struct Track {
  Variant v;
  std::unique_ptr<Framebuffer> fb;       // 2D
  std::unique_ptr<BlobDumbBuffer> blob;  // blob
  uint64_t next = 0;
  CostMeter meter;
  Cost cost;
  uint64_t presents = 0;
  std::vector<double> latency_us, p50_rounds;
  // The backend's CPU per frame in each round (ns clock, cpu_clock.hpp: the tick clock's 10 ms
  // are several frames' worth of a blob flush), and its total.
  std::vector<double> cpu_ms_rounds;
  uint64_t cpu_ns = 0;
  bool cpu_ns_ok = true;
  std::string mismatch;
};

double per(double total, uint64_t n) { return n ? total / double(n) : 0; }

void expect_ok(const Completion& c, const char* what) {
  if (c.type() != VIRTIO_GPU_RESP_OK_NODATA)
    throw std::runtime_error(std::string(what) + " answered " + response_name(c.type()));
}

// One blob plane update (Linux's), done when the fence is back and the VMM has the pixels
// (when it is shown on the VMM's console).
void present_blob(Contender& c, BlobDumbBuffer& b, bool wait_update, uint64_t fence_id, bool first) {
  GuestDriver& gpu = c.gpu();
  TestVmm& vmm = c.vmm();
  const GpuRect r = b.whole();
  const uint64_t pixels_wanted = vmm.display().stats().update_pixels + uint64_t(r.width) * r.height;
  const BlobDumbBuffer::Commit commit = b.commit(0, r, first, fence_id);
  const auto done = [&] {
    gpu.reap();
    return gpu.finished().count(commit.flush) &&
           (!wait_update || (vmm.display().stats().update_pixels >= pixels_wanted && !vmm.display().mid_message()));
  };
  if (const WaitResult w = vmm.run_until(done, Deadline(Millis(10000))); w != WaitResult::Done)
    throw std::runtime_error(std::string("blob present: ") + to_string(w));
  expect_ok(*gpu.take(commit.transfer), "TRANSFER_TO_HOST_2D");
  if (commit.scanout) expect_ok(*gpu.take(*commit.scanout), "SET_SCANOUT_BLOB");
  const Completion f = *gpu.take(commit.flush);
  expect_ok(f, "RESOURCE_FLUSH");
  if (f.fence_id() != fence_id) throw std::runtime_error("RESOURCE_FLUSH came back without its fence");
}

// The same for the 2D path with present.headless: no UPDATE to wait for.
void present_2d_fence_only(Contender& c, Framebuffer& fb, uint64_t fence_id) {
  GuestDriver& gpu = c.gpu();
  const auto hdr = uint32_t(sizeof(virtio_gpu_ctrl_hdr));
  const Ticket t = gpu.submit(Queue::Control, cmd::transfer_to_host_2d(fb.id(), fb.whole(), 0), hdr, {}, false);
  const Ticket f = gpu.submit(Queue::Control, cmd::resource_flush(fb.id(), fb.whole(), fenced(fence_id)), hdr, {}, false);
  gpu.kick(Queue::Control);
  const auto done = [&] {
    gpu.reap();
    return gpu.finished().count(t) && gpu.finished().count(f);
  };
  if (const WaitResult w = c.vmm().run_until(done, Deadline(Millis(10000))); w != WaitResult::Done)
    throw std::runtime_error(std::string("present: ") + to_string(w));
  expect_ok(*gpu.take(t), "TRANSFER_TO_HOST_2D");
  expect_ok(*gpu.take(f), "RESOURCE_FLUSH");
}

}  // namespace

void blob_flush(Options& o, JsonWriter& w) {
  const auto backends = o.list("backends", "vugpu-2d,vugpu-blob,vugpu-2d-headless,vugpu-blob-headless,qemu-10.0");
  const auto [width, height] = o.sizes("size", "1920x1080").front();
  const unsigned rounds = o.count("rounds", 5), per_round = o.count("frames", 20), warmup = o.count("warmup", 2);
  o.reject_unused();

  // Backends of our own making (vugpu in four configurations), so not the Arena (which looks
  // names up with find_backend); the same turns: every round runs each backend once.
  struct Entry {
    std::string name;
    std::unique_ptr<Contender> contender;
    std::string error;
  };
  std::map<std::string, Track> tracks;
  std::vector<std::string> configs;
  std::vector<Entry> entries;
  for (const auto& name : backends) {
    Entry e{name, nullptr, ""};
    Track& t = tracks[name];
    try {
      if (name.rfind("qemu", 0) == 0) {
        const BackendChoice b = find_backend(name);
        e.contender = std::make_unique<Contender>(b, width, height, ram_for(width, height, 4));
      } else {
        t.v = variant_of(name);
        BackendChoice b = find_backend("vugpu");
        if (!b.command) throw std::runtime_error(b.missing_reason);
        b.name = name;
        configs.push_back(write_config(name, t.v, width, height));
        b.command->argv.push_back("--config=" + configs.back());
        e.contender = std::make_unique<Contender>(b, width, height, ram_for(width, height, 4));  // scattered pages: room left for contiguous command buffers
      }
    } catch (const std::exception& ex) {
      e.error = std::string("could not start: ") + ex.what();
    }
    entries.push_back(std::move(e));
  }
  const auto each = [&](const std::function<void(Contender&)>& step) {
    for (Entry& e : entries) {
      if (!e.contender || !e.error.empty()) continue;
      try {
        step(*e.contender);
      } catch (const std::exception& ex) {
        e.error = std::string(ex.what()) + "\nbackend log:\n" + e.contender->log_tail();
      }
    }
  };

  const auto frame = [&](Contender& c, Track& t) -> double {
    const uint64_t n = t.next++;
    Framebuffer& px = t.v.blob ? t.blob->pixels() : *t.fb;
    px.fill_rect({0, uint32_t(n * 8 % (height - 8)), width, 8}, uint32_t(n * 0x010203u));  // guest work, not timed
    const auto t0 = Clock::now();
    if (t.v.blob) present_blob(c, *t.blob, !t.v.headless, n + 1, n == 0);
    else if (t.v.headless) present_2d_fence_only(c, *t.fb, n + 1);
    else present_fenced(c, *t.fb, t.fb->whole(), n + 1);
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  };

  each([&](Contender& c) {
    Track& t = tracks[c.name()];
    if (t.v.blob) {
      t.blob = std::make_unique<BlobDumbBuffer>(c.gpu(), 1, width, height);
      t.blob->pixels().draw_pattern(7);
      if (const uint32_t r = t.blob->create(); r != VIRTIO_GPU_RESP_OK_NODATA)
        throw std::runtime_error("RESOURCE_CREATE_BLOB: " + response_name(r));
    } else {
      t.fb = shown_framebuffer(c, width, height, 7, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, Placement::Scattered);
    }
    for (unsigned i = 0; i < warmup; ++i) frame(c, t);
    t.meter.start(c);
  });

  for (unsigned r = 0; r < rounds; ++r)
    each([&](Contender& c) {
      Track& t = tracks[c.name()];
      std::vector<double> round;
      const std::optional<uint64_t> cpu0 = process_cpu_ns(c.process().pid());
      for (unsigned i = 0; i < per_round; ++i) round.push_back(frame(c, t));
      const std::optional<uint64_t> cpu1 = process_cpu_ns(c.process().pid());
      if (cpu0 && cpu1 && per_round) {
        t.cpu_ns += *cpu1 - *cpu0;
        t.cpu_ms_rounds.push_back(double(*cpu1 - *cpu0) * 1e-6 / per_round);
      } else {
        t.cpu_ns_ok = false;
      }
      t.presents += per_round;
      t.p50_rounds.push_back(median(round));
      t.latency_us.insert(t.latency_us.end(), round.begin(), round.end());
    });

  each([&](Contender& c) {
    Track& t = tracks[c.name()];
    t.cost = t.meter.stop(c, t.presents * uint64_t(width) * height * 4);
    if (!t.v.headless) t.mismatch = (t.v.blob ? t.blob->pixels() : *t.fb).compare(c.vmm().display().surface(0));
  });

  w.begin_object().field("workload", "blob-flush");
  w.key("params").begin_object().field("width", uint64_t(width)).field("height", uint64_t(height));
  w.field("rounds", uint64_t(rounds)).field("frames_per_round", uint64_t(per_round)).end_object();
  w.key("backends").begin_object();
  for (Entry& e : entries) {
    w.key(e.name).begin_object();
    if (!e.contender || !e.error.empty()) {
      w.field("ok", false).field("error", e.error).end_object();
      continue;
    }
    JsonWriter& j = w;
    const Track& t = tracks[e.name];
    j.field("fenced_flush_us_p50", percentile(t.latency_us, 0.5)).field("fenced_flush_us_p99", percentile(t.latency_us, 0.99));
    j.field("p50_us_rounds", t.p50_rounds);
    j.field("presents", t.presents);
    j.field("cpu_s_per_frame", per(t.cpu_ns_ok ? double(t.cpu_ns) * 1e-9 : t.cost.cpu_seconds, t.presents));
    j.field("cpu_clock", t.cpu_ns_ok ? "schedstat (ns), per round" : "/proc/PID/stat ticks, whole run");
    if (t.cpu_ns_ok) j.field("cpu_ms_per_frame_rounds", t.cpu_ms_rounds);
    // The device's copies as counted (vugpu); everything as counted or, for QEMU, modelled.
    if (e.contender->counts_copies() && t.cost.device_copied_bytes)
      j.field("device_bytes_copied_per_flush", per(double(*t.cost.device_copied_bytes), t.presents));
    else j.key("device_bytes_copied_per_flush").null();
    if (t.cost.copied_bytes) j.field("all_bytes_copied_per_flush", per(double(*t.cost.copied_bytes), t.presents));
    else j.key("all_bytes_copied_per_flush").null();
    j.field("socket_bytes_per_flush", per(double(t.cost.socket_bytes), t.presents));
    j.field("pixels_match", t.mismatch.empty());
    if (!t.mismatch.empty()) j.field("pixels_mismatch", t.mismatch);
    j.field("ok", true).end_object();
  }
  w.end_object();
  w.end_object();
  tracks.clear();  // the buffers live in the contenders' guest RAM: they go first
  for (const auto& path : configs) std::filesystem::remove(path);
}

}  // namespace vugpu::bench
