// 3D commands: decoded by the core, dispatched to the renderer's optional operations. The
// renderer here is the ScriptedRenderer (2D by the pixman plugin, 3D scripted).
#include <numeric>
#include "test_common.hpp"

namespace vugpu::test {
namespace {

HarnessOptions scripted_with(std::function<void(ScriptedRenderer&)> script) {
  HarnessOptions o = scripted_options();
  o.script = std::move(script);
  return o;
}

TEST(Features, ComeFromTheSettingsAndTheRenderer) {
  DeviceHarness pix;  // pixman: 2D only
  EXPECT_EQ(pix.device->features(), uint64_t{1} << VIRTIO_GPU_F_EDID);
  EXPECT_EQ(pix.device->config_space().num_capsets, 0u);
  EXPECT_EQ(pix.device->config_space().num_scanouts, 1u);

  DeviceHarness h(scripted_with([](ScriptedRenderer& r) { r.feats = {true, true, 3}; }));
  EXPECT_EQ(h.device->features(), (uint64_t{1} << VIRTIO_GPU_F_EDID) | (uint64_t{1} << VIRTIO_GPU_F_VIRGL) |
                                      (uint64_t{1} << VIRTIO_GPU_F_CONTEXT_INIT));
  EXPECT_EQ(h.device->config_space().num_capsets, 3u);
  EXPECT_EQ(h.device->config_space().events_read, 0u);
  EXPECT_EQ(h.device->config_space().events_clear, 0u);

  HarnessOptions o = scripted_with([](ScriptedRenderer& r) { r.feats = {true, false, 1}; });
  o.settings.edid = false;
  DeviceHarness virgl(o);
  EXPECT_EQ(virgl.device->features(), uint64_t{1} << VIRTIO_GPU_F_VIRGL);
}

TEST(Pixman3D, EveryOptionalOperationIsAnErrorNeverASuccess) {
  DeviceHarness h;  // the real pixman plugin alone
  h.make_resource(1, 8, 8);
  EXPECT_EQ(h.call(ctx_create(1, "x")), kErrUnspec);
  EXPECT_EQ(h.call(create_3d(2, 2, 1, 8, 8)), kErrUnspec);
  EXPECT_EQ(h.call(transfer_3d(true, 0, 1, 0)), kErrUnspec);
  EXPECT_EQ(h.call(transfer_3d(false, 0, 1, 0)), kErrUnspec);
  EXPECT_EQ(h.call(get_capset_info(0)), kErrParam);
  EXPECT_EQ(h.call(get_capset(1, 1)), kErrParam);
  EXPECT_EQ(h.call(submit_3d(1, 0, {})), kErrContext);
  EXPECT_EQ(h.device->stats().resources, 1u);
}

TEST(Context, CreateAndDestroy) {
  DeviceHarness h(scripted_options());
  EXPECT_EQ(h.call(ctx_create(3, "mesa")), kOk);
  ASSERT_EQ(h.scripted->contexts_created.size(), 1u);
  EXPECT_EQ(h.scripted->contexts_created[0].first, 3u);
  EXPECT_EQ(h.scripted->contexts_created[0].second, "mesa");
  EXPECT_EQ(h.call(ctx_destroy(3)), kOk);
  ASSERT_EQ(h.scripted->contexts_destroyed.size(), 1u);
  EXPECT_EQ(h.call(ctx_destroy(3)), kErrContext);
  EXPECT_EQ(h.call(ctx_create(3, "again")), kOk);
}

TEST(Context, NameIsBoundedByItsField) {
  DeviceHarness h(scripted_options());
  auto req = ctx_create(1, std::string(64, 'n'));
  reinterpret_cast<virtio_gpu_ctx_create*>(req.data())->nlen = 100000;
  EXPECT_EQ(h.call(req), kOk);
  EXPECT_EQ(h.scripted->contexts_created[0].second, std::string(64, 'n'));
  EXPECT_EQ(h.call(ctx_create(2, "abc")), kOk);
  auto shorter = ctx_create(4, "abcdef");
  reinterpret_cast<virtio_gpu_ctx_create*>(shorter.data())->nlen = 2;
  EXPECT_EQ(h.call(shorter), kOk);
  EXPECT_EQ(h.scripted->contexts_created[2].second, "ab");
}

TEST(Context, IdZeroDuplicatesAndUnknown) {
  DeviceHarness h(scripted_options());
  EXPECT_EQ(h.call(ctx_create(0, "zero")), kErrContext);
  EXPECT_EQ(h.call(ctx_create(1, "a")), kOk);
  EXPECT_EQ(h.call(ctx_create(1, "b")), kErrContext);
  EXPECT_EQ(h.call(ctx_destroy(2)), kErrContext);
  EXPECT_EQ(h.scripted->contexts_created.size(), 1u);
}

TEST(Context, RendererRefusalIsPassedOnAndNothingIsTracked) {
  DeviceHarness h(scripted_options());
  h.scripted->fail_next = Status::InvalidParameter;
  EXPECT_EQ(h.call(ctx_create(1, "a")), kErrParam);
  EXPECT_EQ(h.call(ctx_destroy(1)), kErrContext);
}

TEST(Context, AttachAndDetachResources) {
  DeviceHarness h(scripted_options());
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  h.make_resource(7, 8, 8);
  EXPECT_EQ(h.call(ctx_resource(1, 7, true)), kOk);
  EXPECT_EQ(h.call(ctx_resource(1, 7, false)), kOk);
  EXPECT_EQ(h.call(ctx_resource(2, 7, true)), kErrContext);
  EXPECT_EQ(h.call(ctx_resource(1, 8, true)), kErrResource);
  ASSERT_EQ(h.scripted->attached.size(), 1u);
  EXPECT_EQ(h.scripted->attached[0], (std::pair<uint32_t, uint32_t>{1, 7}));
  ASSERT_EQ(h.scripted->detached.size(), 1u);
}

TEST(Submit3D, PayloadArrivesExactlyWhereverTheGuestSplitIt) {
  DeviceHarness h(scripted_options());
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  std::vector<uint8_t> cmds(1000);
  std::iota(cmds.begin(), cmds.end(), 0);
  auto& s = h.submit(QueueId::Control, submit_3d(1, 1000, cmds), SubmitOptions{.readable_split = {3, 30, 1, 500}});
  EXPECT_EQ(s.type(), kOk);
  auto& t = h.submit(QueueId::Control, submit_3d(1, 1000, cmds), SubmitOptions{.readable_chunk = 7});
  EXPECT_EQ(t.type(), kOk);
  ASSERT_EQ(h.scripted->submits.size(), 2u);
  EXPECT_EQ(h.scripted->submits[0], cmds);
  EXPECT_EQ(h.scripted->submits[1], cmds);
}

TEST(Submit3D, SizeLimitsAndShortPayloads) {
  HarnessOptions o = scripted_options();
  o.settings.limits.max_submit_bytes = 64;
  DeviceHarness h(o);
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  std::vector<uint8_t> cmds(65, 1);
  EXPECT_EQ(h.call(submit_3d(1, 65, cmds)), kErrOom);
  EXPECT_EQ(h.call(submit_3d(1, 0xffffffff, {})), kErrOom);
  EXPECT_EQ(h.call(submit_3d(1, 64, std::span(cmds).first(63))), kErrParam);
  EXPECT_EQ(h.call(submit_3d(9, 4, std::span(cmds).first(4))), kErrContext);
  EXPECT_TRUE(h.scripted->submits.empty());
  EXPECT_EQ(h.call(submit_3d(1, 64, std::span(cmds).first(64))), kOk);
  EXPECT_EQ(h.call(submit_3d(1, 0, {})), kOk);
  EXPECT_EQ(h.scripted->submits.size(), 2u);
}

TEST(Submit3D, RendererErrorsReachTheGuest) {
  DeviceHarness h(scripted_options());
  ASSERT_EQ(h.call(ctx_create(1, "a")), kOk);
  h.scripted->fail_next = Status::InvalidParameter;
  EXPECT_EQ(h.call(submit_3d(1, 0, {})), kErrParam);
  h.scripted->fail_next = Status::NotSupported;
  EXPECT_EQ(h.call(submit_3d(1, 0, {})), kErrUnspec);
}

TEST(Resource3D, CreatePassesEveryFieldAndChargesTheReportedBytes) {
  DeviceHarness h(scripted_options());
  h.scripted->host_bytes_3d = 12345;
  auto req = create_3d(4, 2, 67, 300, 200);
  auto* c = reinterpret_cast<virtio_gpu_resource_create_3d*>(req.data());
  c->bind = 0xa;
  c->depth = 3;
  c->array_size = 5;
  c->last_level = 6;
  c->nr_samples = 4;
  c->flags = VIRTIO_GPU_RESOURCE_FLAG_Y_0_TOP;
  EXPECT_EQ(h.call(req), kOk);
  ASSERT_EQ(h.scripted->created_3d.size(), 1u);
  const Resource3DArgs& a = h.scripted->created_3d[0];
  EXPECT_EQ(a.target, 2u);
  EXPECT_EQ(a.format, 67u);
  EXPECT_EQ(a.bind, 0xau);
  EXPECT_EQ(a.width, 300u);
  EXPECT_EQ(a.height, 200u);
  EXPECT_EQ(a.depth, 3u);
  EXPECT_EQ(a.array_size, 5u);
  EXPECT_EQ(a.last_level, 6u);
  EXPECT_EQ(a.nr_samples, 4u);
  EXPECT_EQ(a.flags, uint32_t{VIRTIO_GPU_RESOURCE_FLAG_Y_0_TOP});
  EXPECT_EQ(h.device->stats().host_bytes, 12345u);
  EXPECT_EQ(h.call(create_3d(4, 2, 67, 1, 1)), kErrResource);
  EXPECT_EQ(h.call(create_3d(0, 2, 67, 1, 1)), kErrResource);
  EXPECT_EQ(h.call(unref(4)), kOk);
  EXPECT_EQ(h.device->stats().host_bytes, 0u);
}

TEST(Resource3D, ReportedBytesBeyondTheLimitAreRefused) {
  HarnessOptions o = scripted_options();
  o.settings.limits.host_memory_bytes = 10000;
  DeviceHarness h(o);
  h.scripted->host_bytes_3d = 10001;
  EXPECT_EQ(h.call(create_3d(1, 2, 67, 1, 1)), kErrOom);
  EXPECT_EQ(h.device->stats().resources, 0u);
  h.scripted->host_bytes_3d = 10000;
  EXPECT_EQ(h.call(create_3d(1, 2, 67, 1, 1)), kOk);
}

TEST(Transfer3D, FieldsReachTheRendererAndContextsAreChecked) {
  DeviceHarness h(scripted_options());
  ASSERT_EQ(h.call(create_3d(1, 2, 67, 64, 64)), kOk);
  ASSERT_EQ(h.call(ctx_create(5, "a")), kOk);
  EXPECT_EQ(h.call(transfer_3d(true, 5, 1, 4096)), kOk);
  EXPECT_EQ(h.call(transfer_3d(false, 0, 1, 8)), kOk);  // ctx 0: the device's own
  EXPECT_EQ(h.call(transfer_3d(true, 6, 1, 0)), kErrContext);
  EXPECT_EQ(h.call(transfer_3d(true, 5, 2, 0)), kErrResource);
  ASSERT_EQ(h.scripted->transfers_to_host.size(), 1u);
  const Transfer3D& t = h.scripted->transfers_to_host[0];
  EXPECT_EQ(t.ctx_id, 5u);
  EXPECT_EQ(t.offset, 4096u);
  EXPECT_EQ(t.box.x, 1u);
  EXPECT_EQ(t.box.y, 2u);
  EXPECT_EQ(t.box.w, 3u);
  EXPECT_EQ(t.box.h, 4u);
  EXPECT_EQ(t.box.d, 1u);
  EXPECT_EQ(t.stride, 64u);
  ASSERT_EQ(h.scripted->transfers_from_host.size(), 1u);
  EXPECT_EQ(h.scripted->transfers_from_host[0].offset, 8u);
}

struct Capsets : ::testing::Test {
  static HarnessOptions options() {
    HarnessOptions o = scripted_with([](ScriptedRenderer& r) {
      r.feats = {true, false, 4};
      r.capsets = {{1, 1, 308}, {2, 2, 1000}, {3, 1, 0}, {4, 1, 4097}};
    });
    o.settings.limits.max_capset_bytes = 4096;
    return o;
  }
  DeviceHarness h{options()};
};

TEST_F(Capsets, InfoAnswersEachIndex) {
  Submitted& s = h.submit(QueueId::Control, get_capset_info(1));
  ASSERT_EQ(s.type(), uint32_t{VIRTIO_GPU_RESP_OK_CAPSET_INFO});
  const auto info = response_as<virtio_gpu_resp_capset_info>(s);
  EXPECT_EQ(info.capset_id, 2u);
  EXPECT_EQ(info.capset_max_version, 2u);
  EXPECT_EQ(info.capset_max_size, 1000u);
  EXPECT_EQ(info.padding, 0u);
  EXPECT_EQ(h.call(get_capset_info(4)), kErrParam);
  EXPECT_EQ(h.call(get_capset_info(0xffffffff)), kErrParam);
}

TEST_F(Capsets, DataIsZeroedThenFilledToTheCapsetSize) {
  h.scripted->capset_fill_bytes = 10;
  Submitted& s = h.submit(QueueId::Control, get_capset(2, 2), SubmitOptions{.response_capacity = 2000});
  ASSERT_EQ(s.type(), uint32_t{VIRTIO_GPU_RESP_OK_CAPSET});
  EXPECT_EQ(s.written, sizeof(virtio_gpu_ctrl_hdr) + 1000);
  EXPECT_TRUE(h.scripted->capset_buffer_was_zero);
  EXPECT_EQ(h.scripted->capset_buffer_size, 1000u);
  for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(s.response[24 + i], i < 10 ? 0x5c : 0) << i;
  EXPECT_EQ(s.response[24 + 1000], 0xaa);  // nothing written past it
}

TEST_F(Capsets, Errors) {
  EXPECT_EQ(h.call(get_capset(9, 1)), kErrParam);   // no such capset
  EXPECT_EQ(h.call(get_capset(3, 1)), kErrParam);   // size 0
  EXPECT_EQ(h.call(get_capset(4, 1)), kErrOom);     // bigger than max_capset_bytes
  h.scripted->fail_next = Status::InvalidParameter;
  EXPECT_EQ(h.call(get_capset(1, 7)), kErrParam);   // the renderer refuses the version
  EXPECT_EQ(h.scripted->capset_buffer_size, 308u);
}

}  // namespace
}  // namespace vugpu::test
