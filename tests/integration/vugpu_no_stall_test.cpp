// A VMM whose display side does not answer GET_DISPLAY_INFO must not stall the daemon: while the
// guest's question waits, the cursor queue and the vhost-user socket are served. Asserted by
// order and counters, not by the clock: the cursor moves complete (and reach the VMM's display)
// before the question does, a vhost-user request is answered meanwhile, and the question ends
// when the VMM closes its display socket, not at the daemon's 2 s time-out.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;

TEST(VugpuNoStall, CursorAndVhostUserAreServedWhileTheVmmDoesNotAnswerADisplayQuestion) {
  Session s;
  VUGPU_START_OR_SKIP(s, {{1280, 800, true}});
  VmmOptions o;
  o.display.outputs = {{1024, 768, true}};
  o.display.answer_display_info = false;
  s.connect(o);
  GuestDriver& gpu = *s.gpu;
  Framebuffer cursor(gpu, 20, 64, 64, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
  ASSERT_EQ(cursor.create(), kOk);
  ASSERT_EQ(cursor.attach(), kOk);
  ASSERT_EQ(cursor.transfer(cursor.whole()), kOk);
  ASSERT_EQ(gpu.update_cursor(0, 1, 1, 20, 0, 0).written, 0u);

  const uint64_t asked = s.vmm->display().stats().display_info_requests;
  const Ticket info = gpu.submit(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info));
  ASSERT_EQ(s.vmm->run_until([&] { return s.vmm->display().stats().display_info_requests > asked; },
                             Deadline(Millis(30000))),
            WaitResult::Done)
      << "the daemon never asked the VMM\n" << s.diagnostics();

  // The guest moves its cursor while the question waits: every move completes and reaches the
  // VMM's display.
  const uint64_t moves_before = s.vmm->display().stats().cursor_pos;
  uint64_t last_move = 0;
  Clock::duration slowest{};
  for (uint32_t i = 0; i < 8; ++i) {
    const Completion c = gpu.move_cursor(0, 100 + i, 50, 20);
    last_move = c.sequence;
    slowest = std::max(slowest, c.latency());
  }
  // Information only (no assertion on the clock): before, each move waited out the 2 s.
  std::printf("cursor moves while GET_DISPLAY_INFO waits: slowest %.3f ms\n",
              std::chrono::duration<double, std::milli>(slowest).count());
  ASSERT_TRUE(s.vmm->display().drain(Deadline(Millis(10000))));
  EXPECT_EQ(s.vmm->display().stats().cursor_pos - moves_before, 8u);
  // Another vhost-user request is answered meanwhile.
  EXPECT_EQ(s.vmm->get_u64(vu::kGetQueueNum), 2u);

  // The question is still out: the VMM ends it by closing its display socket (QEMU does when the
  // guest resets the device); the daemon then answers from its configuration.
  EXPECT_EQ(gpu.finished().count(info), 0u) << "answered before the VMM said anything";
  s.vmm->display().close();
  const auto c = gpu.wait(info, Millis(10000));
  ASSERT_TRUE(c) << s.diagnostics();
  EXPECT_GT(c->sequence, last_move) << "GET_DISPLAY_INFO completed before the cursor moves behind it in time";
  ASSERT_EQ(c->type(), uint32_t(VIRTIO_GPU_RESP_OK_DISPLAY_INFO));
  EXPECT_EQ(c->as<virtio_gpu_resp_display_info>()->pmodes[0].r.width, 1280u) << "the configuration's size";
  EXPECT_EQ(s.backend->log().find("no reply from the VMM"), std::string::npos)
      << "the daemon sat out its time-out instead of answering when the channel closed\n" << s.diagnostics();
  // And it goes on: the next question is answered at once from the configuration.
  auto again = gpu.get_display_info();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->pmodes[0].r.width, 1280u);
  EXPECT_TRUE(s.backend->alive());
}

}  // namespace
}  // namespace vugpu::itest
