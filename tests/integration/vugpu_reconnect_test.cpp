// Reconnect soak: 20 times a VMM connects, boots, drives a 1280x800 scene with extra resources
// and a cursor, and goes away -- cleanly, abruptly with commands in flight, or while the daemon
// waits on the display channel. The same daemon must serve every one, and its open fds and
// resident memory must not grow (after a warm-up, RSS within 1 MiB). Prints the figures.
// Label e2e (a few seconds).
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <cstdio>
#include <iostream>
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
constexpr int kCycles = 20;
constexpr int kWarmUp = 3;

enum class Ending { Clean, InFlight, WaitingOnDisplay };
const char* name(Ending e) {
  switch (e) {
    case Ending::Clean: return "stop+close";
    case Ending::InFlight: return "close, commands in flight";
    case Ending::WaitingOnDisplay: return "close, daemon waiting on display";
  }
  return "?";
}

// One VMM's life. Returns with the VMM still connected (the caller ends it).
void drive(Session& s, int cycle, Ending ending) {
  VmmOptions o;
  o.ram_bytes = 64ull << 20;
  o.event_idx = cycle % 2;
  o.indirect_desc = cycle % 3 == 0;
  o.display.outputs = {{1280, 800, true}};
  o.display.answer_display_info = ending != Ending::WaitingOnDisplay;
  s.connect(o);
  GuestDriver& gpu = *s.gpu;
  if (ending != Ending::WaitingOnDisplay) {
    ASSERT_TRUE(gpu.get_display_info());
  }
  Framebuffer fb(gpu, 1, 1280, 800, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, cycle % 2 ? Placement::Scattered : Placement::Contiguous);
  fb.draw_pattern(uint32_t(cycle));
  ASSERT_EQ(fb.show_on(0), kOk);
  for (int f = 0; f < 5; ++f) {
    fb.fill_rect({0, uint32_t(f) * 100, 1280, 100}, 0x102030u * uint32_t(f + 1));
    ASSERT_EQ(fb.present(fb.whole()), kOk);
  }
  EXPECT_EQ(fb.compare(s.vmm->display().surface(0)), "") << "cycle " << cycle;
  std::vector<std::unique_ptr<Framebuffer>> extra;
  for (uint32_t id = 10; id < 13; ++id) {
    extra.push_back(std::make_unique<Framebuffer>(gpu, id, 256, 256));
    ASSERT_EQ(extra.back()->create(), kOk);
    ASSERT_EQ(extra.back()->attach(), kOk);
    ASSERT_EQ(extra.back()->transfer(extra.back()->whole()), kOk);
  }
  Framebuffer cursor(gpu, 20, 64, 64, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
  ASSERT_EQ(cursor.create(), kOk);
  ASSERT_EQ(cursor.attach(), kOk);
  ASSERT_EQ(cursor.transfer(cursor.whole()), kOk);
  gpu.update_cursor(0, 10, 10, 20, 0, 0);

  switch (ending) {
    case Ending::Clean:
      s.vmm->stop();
      break;
    case Ending::InFlight:
      for (int i = 0; i < 16; ++i) {
        gpu.submit(Queue::Control, cmd::transfer_to_host_2d(1, fb.whole(), 0), 24, {}, false);
        gpu.submit(Queue::Control, cmd::resource_flush(1, fb.whole()), 24, {}, false);
      }
      gpu.kick(Queue::Control);
      break;
    case Ending::WaitingOnDisplay: {
      // The daemon asks the silent VMM and waits: the VMM goes once the question is here.
      const uint64_t asked = s.vmm->display().stats().display_info_requests;
      gpu.submit(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info));
      ASSERT_EQ(s.vmm->run_until([&] { return s.vmm->display().stats().display_info_requests > asked; },
                                 Deadline(Millis(30000))),
                WaitResult::Done)
          << "cycle " << cycle << ": the daemon never asked the VMM";
      break;
    }
  }
  // Framebuffers go before the VMM does (their pages are its RAM).
}

// Waits until the daemon has closed the last connection's fds and finished its reset (every
// thread back asleep in poll()), and samples it; the daemon's stats as they are if it never does
// (the fd comparison below then fails with the figures).
ProcessStats settled(BackendProcess& backend, unsigned idle_fds) {
  if (auto st = wait_until_idle(backend, idle_fds)) return *st;
  return *backend.stats();
}

TEST(VugpuReconnect, TwentyVmmsInARowLeakNoFdsAndNoMemory) {
  Session s;
  VUGPU_START_OR_SKIP(s, {{1280, 800, true}});
  const ProcessStats idle = settled(*s.backend, 1u << 30);
  std::printf("%-6s %-34s %6s %10s %10s\n", "cycle", "ending", "fds", "rss KiB", "cpu s");
  std::printf("%-6s %-34s %6u %10llu %10.3f\n", "idle", "-", idle.fd_count,
              static_cast<unsigned long long>(idle.rss_bytes / 1024), idle.cpu_seconds);
  uint64_t rss_after_warmup = 0, rss_max = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    const Ending ending = cycle % 5 == 4 ? Ending::WaitingOnDisplay : cycle % 2 ? Ending::InFlight : Ending::Clean;
    drive(s, cycle, ending);
    if (HasFatalFailure()) {
      std::cout << s.diagnostics();
      return;
    }
    s.vmm->disconnect();
    s.gpu.reset();
    s.vmm.reset();
    ASSERT_TRUE(s.backend->alive()) << "cycle " << cycle << ": " << s.diagnostics();
    const ProcessStats st = settled(*s.backend, idle.fd_count);
    std::printf("%-6d %-34s %6u %10llu %10.3f\n", cycle, name(ending), st.fd_count,
                static_cast<unsigned long long>(st.rss_bytes / 1024), st.cpu_seconds);
    EXPECT_EQ(st.fd_count, idle.fd_count) << "cycle " << cycle << " (" << name(ending) << ") left fds open";
    if (cycle == kWarmUp - 1) rss_after_warmup = st.rss_bytes;
    if (cycle >= kWarmUp) rss_max = std::max(rss_max, st.rss_bytes);
  }
  std::fflush(stdout);
  const int64_t growth = int64_t(rss_max) - int64_t(rss_after_warmup);
  std::printf("RSS after warm-up %llu KiB, highest later %llu KiB, growth %lld KiB\n",
              static_cast<unsigned long long>(rss_after_warmup / 1024), static_cast<unsigned long long>(rss_max / 1024),
              static_cast<long long>(growth / 1024));
  EXPECT_LT(growth, 1 << 20) << "resident memory grows with every VMM";
  // And the 21st VMM is served like the first.
  VmmOptions o;
  o.display.outputs = {{640, 480, true}};
  s.connect(o);
  Framebuffer fb(*s.gpu, 1, 640, 480);
  fb.draw_pattern(99);
  ASSERT_EQ(fb.show_on(0), kOk);
  EXPECT_EQ(fb.compare(s.vmm->display().surface(0)), "");
}

}  // namespace
}  // namespace vugpu::itest
