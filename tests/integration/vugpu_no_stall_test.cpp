// A VMM whose display side does not answer GET_DISPLAY_INFO must not stall the daemon: while the
// guest's question waits, the cursor queue and the vhost-user socket are served. Asserted by
// order and counters, not by the clock: the cursor moves complete (and reach the VMM's display)
// before the question does, a vhost-user request is answered meanwhile, and the question ends
// when the VMM closes its display socket, not at the daemon's 2 s time-out.
//
// Nor a VMM that stops reading its display socket in the middle of a large UPDATE: cursor
// commands and a vhost-user request are served meanwhile (their latency measured, bounded far
// below the 2 s time-out), the flush's fence waits until the VMM has read the whole frame, and a
// VMM that never reads again loses its display after the time-out while the guest goes on.
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

// Shared by the two tests below: a 1080p scanout shown once, a cursor, then a second frame whose
// UPDATE (8 MiB) the VMM reads 1 MiB of before it stops reading its display socket.
struct StalledUpdate {
  static constexpr uint64_t kFence = 7;
  Session s;
  std::unique_ptr<Framebuffer> fb, cursor;
  Ticket flush = 0;
  uint64_t updates_before = 0;
  uint64_t update_starts_at = 0;  // the VMM's display bytes read before the second frame's UPDATE

  // False (with a failure recorded) when the set-up did not get there.
  bool start() {
    VmmOptions o;
    o.display.outputs = {{1920, 1080, true}};
    s.connect(o);
    GuestDriver& gpu = *s.gpu;
    fb = std::make_unique<Framebuffer>(gpu, 1, 1920, 1080);
    cursor = std::make_unique<Framebuffer>(gpu, 20, 64, 64, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
    fb->draw_pattern(1);
    if (fb->create() != kOk || fb->attach() != kOk || fb->set_scanout(0) != kOk || fb->transfer(fb->whole()) != kOk ||
        fb->flush(fb->whole()) != kOk || cursor->create() != kOk || cursor->attach() != kOk ||
        cursor->transfer(cursor->whole()) != kOk || gpu.update_cursor(0, 1, 1, 20, 0, 0).written != 0u) {
      ADD_FAILURE() << "set-up\n" << s.diagnostics();
      return false;
    }
    DisplayPeer& display = s.vmm->display();
    if (!display.drain(Deadline(Millis(10000))) || fb->compare(display.surface(0)) != "") {
      ADD_FAILURE() << "the first frame did not reach the VMM\n" << s.diagnostics();
      return false;
    }
    updates_before = display.stats().updates;
    update_starts_at = display.bytes_read();
    display.options().read_limit = update_starts_at + (1u << 20);
    fb->draw_pattern(2);
    if (fb->transfer(fb->whole()) != kOk) return false;
    flush = gpu.submit(Queue::Control, cmd::resource_flush(fb->id(), fb->whole(), with_fence(kFence)),
                       sizeof(virtio_gpu_ctrl_hdr));
    if (s.vmm->run_until([&] { return display.reading_stopped(); }, Deadline(Millis(10000))) != WaitResult::Done ||
        !display.mid_message()) {
      ADD_FAILURE() << "the VMM did not stop in the middle of the UPDATE\n" << s.diagnostics();
      return false;
    }
    return true;
  }
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

TEST(VugpuNoStall, CursorAndVhostUserAreServedWhileTheVmmStopsReadingInTheMiddleOfAnUpdate) {
  StalledUpdate t;
  VUGPU_START_OR_SKIP(t.s, {{1920, 1080, true}});
  ASSERT_TRUE(t.start());
  GuestDriver& gpu = *t.s.gpu;
  DisplayPeer& display = t.s.vmm->display();

  // The guest moves its cursor and the VMM asks the back-end something while the UPDATE waits.
  Clock::duration slowest{};
  for (uint32_t i = 0; i < 8; ++i) slowest = std::max(slowest, gpu.move_cursor(0, 100 + i, 50, 20).latency());
  const auto asked = Clock::now();
  EXPECT_EQ(t.s.vmm->get_u64(vu::kGetQueueNum), 2u);
  const auto answered = Clock::now() - asked;
  std::printf("while the VMM reads nothing mid-UPDATE: slowest of 8 cursor moves %.3f ms, GET_QUEUE_NUM %.3f ms\n",
              ms(slowest), ms(answered));
  // Before, each waited for the UPDATE to be read, or for the daemon's 2 s time-out.
  EXPECT_LT(slowest, Millis(250)) << "a cursor command waited for the VMM's display";
  EXPECT_LT(answered, Millis(250)) << "a vhost-user request waited for the VMM's display";
  gpu.reap();
  EXPECT_EQ(gpu.finished().count(t.flush), 0u) << "the fence completed while the VMM had read 1 MiB of the frame";
  EXPECT_EQ(display.stats().updates, t.updates_before);

  // The VMM reads all of the frame but its last MiB and stops again. The daemon can now put
  // every byte into the socket; once it has done all it can (every thread asleep), there is
  // still no fence: the frame's pages went by reference and the VMM has not read them all.
  const uint64_t update_bytes = sizeof(gpu::Header) + sizeof(gpu::UpdateHead) + uint64_t{1920} * 1080 * 4;
  display.options().read_limit = t.update_starts_at + update_bytes - (1u << 20);
  ASSERT_EQ(t.s.vmm->run_until([&] { return display.reading_stopped(); }, Deadline(Millis(10000))), WaitResult::Done);
  ASSERT_TRUE(wait_until_idle(*t.s.backend, 1u << 20, Millis(10000)));
  gpu.reap();
  EXPECT_EQ(gpu.finished().count(t.flush), 0u) << "the fence completed with the frame's last MiB unread";

  // The VMM reads the rest: the fence completes, and only now.
  display.options().read_limit = UINT64_MAX;
  const auto c = gpu.wait(t.flush, Millis(10000));
  ASSERT_TRUE(c) << t.s.diagnostics();
  EXPECT_EQ(c->type(), kOk);
  EXPECT_EQ(c->fence_id(), StalledUpdate::kFence);
  EXPECT_EQ(display.stats().updates, t.updates_before + 1) << "the fence came before the VMM had the whole frame";
  EXPECT_EQ(t.fb->compare(display.surface(0)), "");
  ASSERT_TRUE(display.drain(Deadline(Millis(10000))));
  EXPECT_EQ(display.cursor(0).x, 107u) << "the last cursor position reached the VMM after the frame";
  EXPECT_EQ(t.s.backend->log().find("display channel closed"), std::string::npos) << t.s.diagnostics();
  EXPECT_TRUE(t.s.clean());
}

TEST(VugpuNoStall, AVmmThatNeverReadsAgainLosesItsDisplayAndTheGuestGoesOn) {
  StalledUpdate t;
  VUGPU_START_OR_SKIP(t.s, {{1920, 1080, true}});
  ASSERT_TRUE(t.start());
  GuestDriver& gpu = *t.s.gpu;
  const auto stalled = Clock::now();
  const auto c = gpu.wait(t.flush, Millis(10000));  // the daemon's display time-out is 2 s
  ASSERT_TRUE(c) << t.s.diagnostics();
  std::printf("the fence of the frame the VMM stopped reading came after %.0f ms\n", ms(Clock::now() - stalled));
  EXPECT_EQ(c->type(), kOk);
  EXPECT_EQ(c->fence_id(), StalledUpdate::kFence);
  EXPECT_NE(t.s.backend->log().find("display channel closed: the VMM did not read its display socket for 2000 ms"),
            std::string::npos)
      << t.s.diagnostics();
  // The device goes on without a display: frames complete, questions are answered from the
  // configuration, the cursor moves.
  t.fb->draw_pattern(3);
  ASSERT_EQ(t.fb->transfer(t.fb->whole()), kOk);
  ASSERT_EQ(t.fb->flush(t.fb->whole()), kOk);
  const auto info = gpu.get_display_info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->pmodes[0].r.width, 1920u);
  EXPECT_EQ(gpu.move_cursor(0, 5, 5, 20).written, 0u);
  EXPECT_TRUE(t.s.backend->alive());
}

}  // namespace
}  // namespace vugpu::itest
