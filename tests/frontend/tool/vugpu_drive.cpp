// vugpu-drive: starts (or connects to) a vhost-user-gpu backend, boots the stand-in VMM, shows
// a framebuffer and runs a full-frame update loop: the guest redraws, TRANSFER_TO_HOST_2D +
// RESOURCE_FLUSH, waits for both. Prints one key=value per line: frame rate, present latency,
// and what the backend process spent (CPU, RSS, fds) -- the numbers the benchmarks compare.
//
//   vugpu-drive [--backend=vugpu|qemu-7.2|qemu-10.0|PATH] [--socket=PATH] [--size=WxH]
//               [--frames=N] [--event-idx] [--indirect] [--scatter] [--no-compose]
//               [--print-sequence (the vhost-user messages sent; with --frames=0 nothing else)]
//               [-- extra backend arguments]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>
#include "backend_process.hpp"
#include "framebuffer.hpp"
#include "guest_driver.hpp"
#include "test_vmm.hpp"

using namespace vugpu::frontend;

namespace {

struct Args {
  std::string backend = "vugpu", socket;
  uint32_t width = 1280, height = 800, frames = 200;
  bool event_idx = false, indirect = false, scatter = false, compose = true, print_sequence = false;
  std::vector<std::string> extra;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "vugpu-drive: %s\nusage: vugpu-drive [--backend=vugpu|qemu-7.2|qemu-10.0|PATH] [--socket=PATH]\n"
                       "  [--size=WxH] [--frames=N] [--event-idx] [--indirect] [--scatter] [--no-compose] [--print-sequence]\n"
                       "  [-- backend args]\n", why);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&](const char* key) -> std::optional<std::string> {
      const std::string k = std::string(key) + "=";
      return s.rfind(k, 0) == 0 ? std::optional(s.substr(k.size())) : std::nullopt;
    };
    if (s == "--") { a.extra.assign(argv + i + 1, argv + argc); break; }
    if (auto v = value("--backend")) a.backend = *v;
    else if (auto v = value("--socket")) a.socket = *v;
    else if (auto v = value("--frames")) a.frames = uint32_t(std::stoul(*v));
    else if (auto v = value("--size")) {
      if (std::sscanf(v->c_str(), "%ux%u", &a.width, &a.height) != 2) usage("--size wants WxH");
    } else if (s == "--event-idx") a.event_idx = true;
    else if (s == "--indirect") a.indirect = true;
    else if (s == "--scatter") a.scatter = true;
    else if (s == "--no-compose") a.compose = false;
    else if (s == "--print-sequence") a.print_sequence = true;
    else usage(("unknown argument " + s).c_str());
  }
  return a;
}

BackendCommand backend_command(const Args& a) {
  BackendLookup l;
  if (a.backend == "vugpu") l = find_vugpu(a.extra);
  else if (a.backend == "qemu-7.2") l = find_qemu_gpu("7.2");
  else if (a.backend == "qemu-10.0") l = find_qemu_gpu("10.0");
  else {
    BackendCommand c;
    c.name = a.backend;
    c.argv = {a.backend};
    c.argv.insert(c.argv.end(), a.extra.begin(), a.extra.end());
    return c;
  }
  if (!l.command) {
    std::fprintf(stderr, "vugpu-drive: %s\n", l.missing_reason.c_str());
    std::exit(77);
  }
  return *l.command;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  try {
    std::unique_ptr<BackendProcess> backend;
    std::string socket = a.socket;
    if (socket.empty()) {
      backend = std::make_unique<BackendProcess>(backend_command(a));
      socket = backend->socket_path();
    }
    VmmOptions o;
    o.ram_bytes = std::max<uint64_t>(64ull << 20, (uint64_t(a.width) * a.height * 4 * 2 + (16ull << 20)) & ~4095ull);
    o.event_idx = a.event_idx;
    o.indirect_desc = a.indirect;
    o.display.outputs = {{a.width, a.height, true}};
    o.display.compose = a.compose;
    TestVmm vmm(o);
    vmm.boot(socket);
    if (a.print_sequence) {  // the vhost-user messages of realize + start, as "request flags size fds"
      for (const auto& m : vmm.sent()) std::printf("sent %u 0x%x %u %zu\n", m.request, m.flags, m.size, m.fds);
      if (a.frames == 0) return 0;
    }
    GuestDriver gpu(vmm);
    Framebuffer fb(gpu, 1, a.width, a.height, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM,
                   a.scatter ? Placement::Scattered : Placement::Contiguous);
    fb.draw_pattern(0);
    if (uint32_t r = fb.show_on(0); r != VIRTIO_GPU_RESP_OK_NODATA) {
      std::fprintf(stderr, "vugpu-drive: setting up the scanout failed: %s\n", response_name(r).c_str());
      return 1;
    }
    const pid_t pid = backend ? backend->pid() : 0;
    const auto before = pid ? read_process_stats(pid) : std::nullopt;
    const auto display_before = vmm.display().stats();
    std::vector<double> latencies_us;
    const auto start = Clock::now();
    for (uint32_t f = 1; f <= a.frames; ++f) {
      fb.fill_rect({0, (f * 8) % a.height, a.width, std::min<uint32_t>(8, a.height)}, f * 0x010203u);  // guest work: small
      const auto t0 = Clock::now();
      if (uint32_t r = fb.present(fb.whole()); r != VIRTIO_GPU_RESP_OK_NODATA) {
        std::fprintf(stderr, "vugpu-drive: frame %u: %s\n", f, response_name(r).c_str());
        return 1;
      }
      latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const auto after = pid ? read_process_stats(pid) : std::nullopt;
    const auto& ds = vmm.display().stats();
    std::sort(latencies_us.begin(), latencies_us.end());
    auto pct = [&](double p) { return latencies_us.empty() ? 0.0 : latencies_us[size_t(p * (latencies_us.size() - 1))]; };
    std::printf("backend=%s\nsize=%ux%u\nframes=%u\nseconds=%.3f\nfps=%.1f\n", backend ? a.backend.c_str() : socket.c_str(),
                a.width, a.height, a.frames, seconds, a.frames / seconds);
    std::printf("present_us_p50=%.0f\npresent_us_p99=%.0f\n", pct(0.5), pct(0.99));
    std::printf("display_updates=%llu\ndisplay_compose_ms=%.1f\n",
                static_cast<unsigned long long>(ds.updates - display_before.updates),
                double(ds.compose_ns - display_before.compose_ns) / 1e6);
    if (before && after) {
      const double cpu = after->cpu_seconds - before->cpu_seconds;
      std::printf("backend_cpu_s=%.3f\nbackend_cpu_ms_per_frame=%.3f\nbackend_rss_kib=%llu\nbackend_fds=%u\n", cpu,
                  cpu * 1000 / a.frames, static_cast<unsigned long long>(after->rss_bytes / 1024), after->fd_count);
    }
    const auto& errors = vmm.display().errors();
    for (const auto& e : errors) std::fprintf(stderr, "display protocol: %s\n", e.c_str());
    for (unsigned q = 0; q < kQueueCount; ++q)
      for (const auto& e : vmm.queue(Queue(q)).errors()) std::fprintf(stderr, "virtqueue %u: %s\n", q, e.c_str());
    return errors.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vugpu-drive: %s\n", e.what());
    return 1;
  }
}
