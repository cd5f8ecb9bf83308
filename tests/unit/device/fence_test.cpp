// Fences: the echo in every response, renderer fences that complete later, "all up to N",
// rings, and completion in submission order.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

HarnessOptions deferring(bool context_init = false) {
  HarnessOptions o = scripted_options();
  o.script = [context_init](ScriptedRenderer& r) {
    r.feats = {true, context_init, 0};
    r.defer_fences = true;
  };
  return o;
}

TEST(Fence, EchoedOnSuccessAndOnError) {
  DeviceHarness h;
  Submitted& ok = h.submit(QueueId::Control, fenced(create_2d(1, kXrgb, 4, 4), 0x1234567890ull, 3));
  ASSERT_TRUE(ok.completed);
  EXPECT_EQ(ok.type(), kOk);
  EXPECT_EQ(ok.header().flags, uint32_t{VIRTIO_GPU_FLAG_FENCE});
  EXPECT_EQ(ok.header().fence_id, 0x1234567890ull);
  EXPECT_EQ(ok.header().ctx_id, 3u);
  Submitted& bad = h.submit(QueueId::Control, fenced(create_2d(1, kXrgb, 4, 4), 99));
  ASSERT_TRUE(bad.completed);
  EXPECT_EQ(bad.type(), kErrResource);
  EXPECT_EQ(bad.header().flags, uint32_t{VIRTIO_GPU_FLAG_FENCE});
  EXPECT_EQ(bad.header().fence_id, 99u);
}

TEST(Fence, RingIndexEchoedOnlyWithInfoRingIdx) {
  DeviceHarness h;
  Submitted& r = h.submit(QueueId::Control, fenced_on_ring(get_display_info(), 5, 2, 7));
  EXPECT_EQ(r.header().flags, uint32_t{VIRTIO_GPU_FLAG_FENCE | VIRTIO_GPU_FLAG_INFO_RING_IDX});
  EXPECT_EQ(r.header().ring_idx, 7u);
  auto plain_req = fenced(get_display_info(), 6, 2);
  reinterpret_cast<virtio_gpu_ctrl_hdr*>(plain_req.data())->ring_idx = 7;
  Submitted& plain = h.submit(QueueId::Control, plain_req);
  EXPECT_EQ(plain.header().flags, uint32_t{VIRTIO_GPU_FLAG_FENCE});
  EXPECT_EQ(plain.header().ring_idx, 0u);
}

TEST(Fence, UnfencedResponsesCarryNoFence) {
  DeviceHarness h;
  auto req = get_display_info();
  auto* hdr = reinterpret_cast<virtio_gpu_ctrl_hdr*>(req.data());
  hdr->fence_id = 77;
  hdr->ctx_id = 5;
  Submitted& s = h.submit(QueueId::Control, req);
  EXPECT_EQ(s.header().flags, 0u);
  EXPECT_EQ(s.header().fence_id, 0u);
  EXPECT_EQ(s.header().ctx_id, 0u);
}

TEST(Fence, PixmanFencesCompleteAtOnce) {
  DeviceHarness h;
  h.make_resource(1, 8, 8);
  Submitted& s = h.submit(QueueId::Control, fenced(transfer_2d(1, {0, 0, 8, 8}, 0), 1));
  EXPECT_TRUE(s.completed);
}

TEST(Fence, ADeferredFenceCompletesWhenSignalled) {
  DeviceHarness h(deferring());
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  Submitted& s = h.submit(QueueId::Control, fenced(submit_3d(1, 0, {}), 10, 1));
  EXPECT_FALSE(s.completed);
  ASSERT_EQ(h.scripted->fences.size(), 1u);
  EXPECT_EQ(h.scripted->fences[0].ctx_id, 1u);
  EXPECT_FALSE(h.scripted->fences[0].on_ring);
  EXPECT_EQ(h.scripted->fences[0].fence_id, 10u);
  h.device->fence_signalled(0, 0, 9);
  EXPECT_FALSE(s.completed);
  h.host.fence_signalled(0, 0, 10);  // the way a renderer reports it
  EXPECT_TRUE(s.completed);
  EXPECT_EQ(s.header().fence_id, 10u);
}

TEST(Fence, OneSignalCompletesEveryFenceUpToIt) {
  DeviceHarness h(deferring());
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  Submitted& a = h.submit(QueueId::Control, fenced(submit_3d(1, 0, {}), 1, 1));
  Submitted& b = h.submit(QueueId::Control, fenced(submit_3d(1, 0, {}), 2, 1));
  Submitted& c = h.submit(QueueId::Control, fenced(submit_3d(1, 0, {}), 3, 1));
  h.device->fence_signalled(0, 0, 2);
  EXPECT_TRUE(a.completed);
  EXPECT_TRUE(b.completed);
  EXPECT_FALSE(c.completed);
  h.device->fence_signalled(0, 0, 1000);
  EXPECT_TRUE(c.completed);
}

TEST(Fence, LaterCommandsRunButCompleteOnlyAfterTheFence) {
  DeviceHarness h(deferring());
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  const size_t before = h.completions.size();
  Submitted& fenced_submit = h.submit(QueueId::Control, fenced(submit_3d(1, 0, {}), 5, 1));
  const uint8_t cmds[] = {1, 2, 3};
  Submitted& plain_submit = h.submit(QueueId::Control, submit_3d(1, 3, cmds));
  Submitted& info = h.submit(QueueId::Control, get_display_info());
  // The renderer already has the second submission (the GPU keeps busy) ...
  EXPECT_EQ(h.scripted->submits.size(), 2u);
  // ... but nothing after the fence completes before it.
  EXPECT_FALSE(plain_submit.completed);
  EXPECT_FALSE(info.completed);
  h.device->fence_signalled(0, 0, 5);
  ASSERT_EQ(h.completions.size(), before + 3);
  EXPECT_EQ(h.completions[before].second, fenced_submit.head);
  EXPECT_EQ(h.completions[before + 1].second, plain_submit.head);
  EXPECT_EQ(h.completions[before + 2].second, info.head);
}

TEST(Fence, AFailedFencedCommandStillWaitsForItsFence) {
  DeviceHarness h(deferring());
  Submitted& s = h.submit(QueueId::Control, fenced(submit_3d(9, 0, {}), 4, 9));  // no context 9
  EXPECT_FALSE(s.completed);
  h.device->fence_signalled(0, 0, 4);
  ASSERT_TRUE(s.completed);
  EXPECT_EQ(s.type(), kErrContext);
}

TEST(Fence, TheCursorQueueDoesNotWaitForControlFences) {
  DeviceHarness h(deferring());
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  Submitted& s = h.submit(QueueId::Control, fenced(submit_3d(1, 0, {}), 1, 1));
  Submitted& m = h.submit(QueueId::Cursor, move_cursor(0, 1, 1), SubmitOptions{.response_capacity = 0});
  EXPECT_FALSE(s.completed);
  EXPECT_TRUE(m.completed);
}

TEST(Fence, RingsOnlyWhereTheRendererOffersContextInit) {
  DeviceHarness without(deferring(false));
  ASSERT_EQ(without.call(ctx_create(1, "a")), kOk);
  Submitted& a = without.submit(QueueId::Control, fenced_on_ring(submit_3d(1, 0, {}), 1, 1, 2));
  EXPECT_FALSE(without.scripted->fences.at(0).on_ring);
  without.device->fence_signalled(0, 0, 1);
  EXPECT_TRUE(a.completed);

  DeviceHarness with(deferring(true));
  ASSERT_EQ(with.call(ctx_create(1, "a")), kOk);
  Submitted& b = with.submit(QueueId::Control, fenced_on_ring(submit_3d(1, 0, {}), 1, 1, 2));
  ASSERT_TRUE(with.scripted->fences.at(0).on_ring);
  EXPECT_EQ(with.scripted->fences.at(0).ring_idx, 2u);
  with.device->fence_signalled(0, 0, 1);  // the device-wide timeline: not this ring
  with.device->fence_signalled(1, 3, 1);  // another ring
  EXPECT_FALSE(b.completed);
  with.device->fence_signalled(1, 2, 1);
  EXPECT_TRUE(b.completed);
}

TEST(Fence, RingsOfUnknownContextsOrOutOfRangeAreTheDeviceTimeline) {
  DeviceHarness h(deferring(true));
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  h.submit(QueueId::Control, fenced_on_ring(get_display_info(), 1, 5, 0));   // no context 5
  h.submit(QueueId::Control, fenced_on_ring(get_display_info(), 2, 1, 64));  // ring 64 does not exist
  ASSERT_EQ(h.scripted->fences.size(), 2u);
  EXPECT_FALSE(h.scripted->fences[0].on_ring);
  EXPECT_FALSE(h.scripted->fences[1].on_ring);
  h.device->fence_signalled(0, 0, 2);
  EXPECT_EQ(h.completions.size(), 3u);
}

TEST(Fence, SignalledFromInsideCreateFence) {
  HarnessOptions o = deferring();
  DeviceHarness* self = nullptr;
  o.script = [&self](ScriptedRenderer& r) {
    r.defer_fences = true;
    r.inside_create_fence = [&self](const ScriptedRenderer& rr) { self->host.fence_signalled(0, 0, rr.fences.back().fence_id); };
  };
  DeviceHarness h(o);
  self = &h;
  Submitted& s = h.submit(QueueId::Control, fenced(get_display_info(), 8));
  EXPECT_TRUE(s.completed);
}

TEST(Fence, DestroyingAContextEndsItsRingFences) {
  DeviceHarness h(deferring(true));
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  Submitted& s = h.submit(QueueId::Control, fenced_on_ring(submit_3d(1, 0, {}), 1, 1, 0));
  EXPECT_FALSE(s.completed);
  Submitted& d = h.submit(QueueId::Control, ctx_destroy(1));
  EXPECT_EQ(h.scripted->contexts_destroyed.size(), 1u);
  // The renderer will never signal a ring of a context that is gone: its fences end here.
  EXPECT_TRUE(s.completed);
  EXPECT_TRUE(d.completed);
  EXPECT_EQ(h.completions.back().second, d.head);
}

TEST(Fence, SignalsForUnknownFencesChangeNothing) {
  DeviceHarness h(deferring());
  h.device->fence_signalled(0, 0, 100);
  h.device->fence_signalled(7, 3, 100);
  Submitted& s = h.submit(QueueId::Control, fenced(get_display_info(), 200));
  EXPECT_FALSE(s.completed);
  h.device->fence_signalled(0, 0, 200);
  EXPECT_TRUE(s.completed);
}

}  // namespace
}  // namespace vugpu::test
