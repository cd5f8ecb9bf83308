// GET_DISPLAY_INFO / GET_EDID answered asynchronously by a presenter (the VMM's display): the
// question holds back only its own queue; the cursor queue, posted work and presenters' releases
// go on; the answer completes the command later, in order, fence included; a reset drops it.
// The test presenter keeps each question (hold_questions) until the test answers it, so nothing
// here depends on the clock.
#include <thread>
#include "test_common.hpp"

namespace vugpu::test {
namespace {

// A device with a cursor resource, and a presenter that answers display questions only when
// told to.
struct HeldQuestion : ::testing::Test {
  void SetUp() override {
    h.make_resource(7, 64, 64, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
    h.presenter().hold_questions = true;
  }
  // Submits cursor moves and returns how many completed (the cursor queue has no response).
  size_t move_cursor_times(int n) {
    const size_t before = cursor_completions();
    for (int i = 0; i < n; ++i) h.submit(QueueId::Cursor, move_cursor(0, 10 + uint32_t(i), 20, 7));
    return cursor_completions() - before;
  }
  size_t cursor_completions() const {
    size_t n = 0;
    for (const auto& c : h.completions) n += c.first == QueueId::Cursor;
    return n;
  }
  DeviceHarness h;
};

TEST_F(HeldQuestion, TheCursorQueueAndPostedWorkRunWhileTheDisplayInfoIsOut) {
  Submitted& info = h.submit(QueueId::Control, get_display_info());
  ASSERT_EQ(h.presenter().held_display_info.size(), 1u) << "the presenter was not asked";
  EXPECT_FALSE(info.completed);

  EXPECT_EQ(move_cursor_times(5), 5u) << "the cursor queue waited for the control queue's question";
  EXPECT_EQ(h.presenter().cursor.size(), 5u);
  bool posted_ran = false;
  h.host.post([&] { posted_ran = true; });
  h.drain();
  EXPECT_TRUE(posted_ran) << "the device loop is held";
  EXPECT_FALSE(info.completed);

  h.presenter().answer_display_info(Status::Ok, {{1920, 1080, true}, {1280, 720, true}});
  ASSERT_TRUE(info.completed);
  ASSERT_EQ(info.type(), uint32_t{VIRTIO_GPU_RESP_OK_DISPLAY_INFO});
  const auto d = display_info_of(info);
  EXPECT_EQ(d.pmodes[0].r.width, 1920u);
  EXPECT_EQ(d.pmodes[1].r.height, 720u);
  EXPECT_EQ(d.pmodes[1].enabled, 1u);
  EXPECT_EQ(d.pmodes[2].enabled, 0u);
}

TEST_F(HeldQuestion, LaterCommandsCompleteAfterItInOrderWithTheirFences) {
  const size_t before = h.completions.size();
  Submitted& info = h.submit(QueueId::Control, fenced(get_display_info(), 90));
  Submitted& create = h.submit(QueueId::Control, create_2d(8, kXrgb, 16, 16));
  Submitted& edid = h.submit(QueueId::Control, fenced(get_edid(0), 91));
  EXPECT_FALSE(info.completed);
  EXPECT_FALSE(create.completed) << "completed before the question ahead of it";
  EXPECT_EQ(h.device->stats().resources, 1u) << "ran before the question ahead of it was answered";

  h.presenter().answer_display_info(Status::Ok, {{1600, 900, true}});
  ASSERT_TRUE(info.completed);
  EXPECT_TRUE(create.completed);
  EXPECT_EQ(create.type(), kOk);
  EXPECT_FALSE(edid.completed) << "the EDID question is out in its turn";
  ASSERT_EQ(h.presenter().held_edid.size(), 1u);
  std::vector<uint8_t> blob(128, 0x42);
  h.presenter().answer_edid(Status::Ok, blob);
  ASSERT_TRUE(edid.completed);
  EXPECT_EQ(edid.type(), uint32_t{VIRTIO_GPU_RESP_OK_EDID});

  ASSERT_EQ(h.completions.size(), before + 3);
  EXPECT_EQ(h.completions[before].second, info.head);
  EXPECT_EQ(h.completions[before + 1].second, create.head);
  EXPECT_EQ(h.completions[before + 2].second, edid.head);
  EXPECT_TRUE(info.header().flags & VIRTIO_GPU_FLAG_FENCE);
  EXPECT_EQ(info.header().fence_id, 90u) << "the fence is echoed in the late response";
  EXPECT_EQ(edid.header().fence_id, 91u);
}

TEST_F(HeldQuestion, AFailedAnswerIsAnsweredFromTheConfiguration) {
  // What a VMM that never answers comes to: the display channel's time-out fails the question.
  Submitted& info = h.submit(QueueId::Control, get_display_info());
  h.presenter().answer_display_info(Status::NotSupported, {});
  ASSERT_TRUE(info.completed);
  const auto d = display_info_of(info);
  EXPECT_EQ(d.pmodes[0].r.width, 1280u) << "the configuration's (default) size";
  EXPECT_EQ(d.pmodes[0].enabled, 1u);
  EXPECT_EQ(h.log.count_containing("answered from the configuration"), 1u);
  // The generated EDID takes the configuration's size too.
  Submitted& edid = h.submit(QueueId::Control, get_edid(0));
  h.presenter().answer_edid(Status::Unspec, {});
  ASSERT_TRUE(edid.completed);
  EXPECT_EQ(edid.type(), uint32_t{VIRTIO_GPU_RESP_OK_EDID});
}

TEST_F(HeldQuestion, AFlushReleasedWhileAQuestionWaitsBehindItCompletes) {
  h.presenter().hold_releases = true;
  h.make_resource(1, 16, 16);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, 16, 16})), kOk);
  Submitted& f = h.submit(QueueId::Control, flush(1, {0, 0, 16, 16}));
  Submitted& info = h.submit(QueueId::Control, get_display_info());
  ASSERT_EQ(h.presenter().held.size(), 1u);
  EXPECT_TRUE(h.presenter().held_display_info.empty()) << "asked before the flush ahead of it finished";
  // The presenter lets go of the frame from its own thread; the loop takes the release.
  std::vector<FrameRelease> held = std::move(h.presenter().held);
  h.presenter().held.clear();
  std::thread([held = std::move(held)]() mutable {
    for (auto& r : held) r.release();
  }).join();
  ASSERT_TRUE(h.run_until([&] { return f.completed; }));
  EXPECT_FALSE(info.completed);
  ASSERT_EQ(h.presenter().held_display_info.size(), 1u) << "the question goes out once the flush is done";
  EXPECT_EQ(move_cursor_times(2), 2u);
  h.presenter().answer_display_info(Status::Ok, {{800, 600, true}});
  EXPECT_TRUE(info.completed);
}

TEST_F(HeldQuestion, AScanoutBeyondTheConfigurationWaitsForTheDisplayInfoThenRuns) {
  // One configured scanout; the VMM has two outputs. The device asks before it refuses id 1.
  h.make_resource(1, 16, 16);
  Submitted& set = h.submit(QueueId::Control, set_scanout(1, 1, {0, 0, 16, 16}));
  EXPECT_FALSE(set.completed);
  ASSERT_EQ(h.presenter().held_display_info.size(), 1u);
  EXPECT_EQ(move_cursor_times(1), 1u);
  h.presenter().answer_display_info(Status::Ok, {{640, 480, true}, {640, 480, true}});
  ASSERT_TRUE(set.completed);
  EXPECT_EQ(set.type(), kOk);
  ASSERT_FALSE(h.presenter().scanouts.empty());
  EXPECT_EQ(h.presenter().scanouts.back().first, 1u);
  EXPECT_EQ(h.device->stats().errors, 0u);
  // Asked once: later ids are judged by that answer, without asking again.
  EXPECT_EQ(h.call(set_scanout(16, 1, {0, 0, 16, 16})), kErrScanout);
  EXPECT_EQ(h.presenter().display_info_calls, 1);
}

TEST_F(HeldQuestion, ResetWhileAQuestionIsOutDropsItAndTheLateAnswerFindsNothing) {
  Submitted& info = h.submit(QueueId::Control, get_display_info());
  Submitted& later = h.submit(QueueId::Control, create_2d(9, kXrgb, 8, 8));
  ASSERT_EQ(h.presenter().held_display_info.size(), 1u);
  DisplayInfoDone stale = h.presenter().held_display_info[0];  // the presenter answers twice
  h.device->reset();
  h.presenter().answer_display_info(Status::Ok, {{640, 480, true}});  // late: the VMM answers after all
  const std::vector<DisplayMode> again{{640, 480, true}};
  stale(Status::Ok, again);
  h.drain();
  EXPECT_FALSE(info.completed) << "a dropped command was completed";
  EXPECT_FALSE(later.completed);
  EXPECT_EQ(h.device->stats().resources, 0u);

  // The queue works again and asks afresh.
  Submitted& next = h.submit(QueueId::Control, get_display_info());
  ASSERT_EQ(h.presenter().held_display_info.size(), 1u);
  stale(Status::Ok, again);  // an answer to the old question is not taken for the new one
  EXPECT_FALSE(next.completed);
  h.presenter().answer_display_info(Status::Ok, {{1280, 800, true}});
  ASSERT_TRUE(next.completed);
  EXPECT_EQ(display_info_of(next).pmodes[0].r.width, 1280u);
}

TEST_F(HeldQuestion, AnAnswerAfterTheDeviceIsGoneDoesNothing) {
  h.submit(QueueId::Control, get_display_info());
  ASSERT_EQ(h.presenter().held_display_info.size(), 1u);
  h.device.reset();  // the daemon shuts down with the question out
  h.presenter().answer_display_info(Status::Ok, {{640, 480, true}});
  h.drain();
  SUCCEED();  // nothing touched the destroyed device (ASan/UBSan builds would say otherwise)
}

}  // namespace
}  // namespace vugpu::test
