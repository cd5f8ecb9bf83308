// SET_SCANOUT: ids, rectangles, disabling, and what presenters are told.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

TEST(Scanout, PresentersHearTheModeOnce) {
  DeviceHarness h;
  h.make_resource(1, 64, 32);
  h.make_resource(2, 64, 32);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, 64, 32})), kOk);
  ASSERT_EQ(h.presenter().scanouts.size(), 1u);
  EXPECT_EQ(h.presenter().scanouts[0].first, 0u);
  EXPECT_TRUE(h.presenter().scanouts[0].second.enabled);
  EXPECT_EQ(h.presenter().scanouts[0].second.width, 64u);
  EXPECT_EQ(h.presenter().scanouts[0].second.height, 32u);
  // Page flip to another resource of the same size: no new mode.
  ASSERT_EQ(h.call(set_scanout(0, 2, {0, 0, 64, 32})), kOk);
  EXPECT_EQ(h.presenter().scanouts.size(), 1u);
  // A smaller view is a new mode.
  ASSERT_EQ(h.call(set_scanout(0, 2, {8, 8, 32, 16})), kOk);
  ASSERT_EQ(h.presenter().scanouts.size(), 2u);
  EXPECT_EQ(h.presenter().scanouts[1].second.width, 32u);
}

TEST(Scanout, ResourceZeroDisables) {
  DeviceHarness h;
  h.make_resource(1, 16, 16);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, 16, 16})), kOk);
  // Linux sends a zero rect with resource 0; any rect disables.
  ASSERT_EQ(h.call(set_scanout(0, 0, {1, 2, 3, 4})), kOk);
  ASSERT_EQ(h.presenter().scanouts.size(), 2u);
  EXPECT_FALSE(h.presenter().scanouts[1].second.enabled);
  EXPECT_EQ(h.call(flush(1, {0, 0, 16, 16})), kOk);
  EXPECT_TRUE(h.presenter().presents.empty());  // not on any scanout any more
}

TEST(Scanout, IdsBeyondTheConfiguredAreRefused) {
  DeviceHarness h;  // one scanout configured, the presenter knows no displays
  h.make_resource(1, 16, 16);
  EXPECT_EQ(h.call(set_scanout(1, 1, {0, 0, 16, 16})), kErrScanout);
  EXPECT_EQ(h.call(set_scanout(16, 1, {0, 0, 16, 16})), kErrScanout);
  EXPECT_EQ(h.call(set_scanout(0xffffffff, 0, {0, 0, 0, 0})), kErrScanout);  // checked before "disable"
  EXPECT_TRUE(h.presenter().scanouts.empty());
}

TEST(Scanout, AVmmDisplayMakesEveryProtocolScanoutValid) {
  // QEMU writes its max_outputs into the guest's config space, whatever our config says, and
  // reports a disabled output as all zeroes, like one that does not exist: once the VMM's
  // display answers, every id the protocol allows is valid (the guest forces output 1 on).
  DeviceHarness h;  // one configured scanout
  h.presenter().display = std::vector<DisplayMode>{{800, 600, true}, {0, 0, false}};
  h.make_resource(1, 16, 16);
  EXPECT_EQ(h.call(set_scanout(1, 1, {0, 0, 16, 16})), kOk);
  EXPECT_EQ(h.call(get_edid(1)), uint32_t{VIRTIO_GPU_RESP_OK_EDID});
  EXPECT_EQ(h.call(set_scanout(15, 1, {0, 0, 16, 16})), kOk);
  EXPECT_EQ(h.call(set_scanout(16, 1, {0, 0, 16, 16})), kErrScanout);
}

TEST(Scanout, ConfiguredScanoutsAreValid) {
  HarnessOptions o;
  o.settings.scanouts = {ScanoutSettings{}, ScanoutSettings{}, ScanoutSettings{}};
  DeviceHarness h(o);
  h.make_resource(1, 16, 16);
  EXPECT_EQ(h.call(set_scanout(2, 1, {0, 0, 16, 16})), kOk);
  EXPECT_EQ(h.call(set_scanout(3, 1, {0, 0, 16, 16})), kErrScanout);
  EXPECT_EQ(h.device->config_space().num_scanouts, 3u);
}

TEST(Scanout, UnknownResource) {
  DeviceHarness h;
  EXPECT_EQ(h.call(set_scanout(0, 7, {0, 0, 16, 16})), kErrResource);
}

TEST(Scanout, RectanglesMustBeInsideAndNotEmpty) {
  DeviceHarness h;
  h.make_resource(1, 64, 32);
  EXPECT_EQ(h.call(set_scanout(0, 1, {0, 0, 65, 32})), kErrParam);
  EXPECT_EQ(h.call(set_scanout(0, 1, {1, 0, 64, 32})), kErrParam);
  EXPECT_EQ(h.call(set_scanout(0, 1, {0xffffffc0u, 0, 0x50, 32})), kErrParam);  // x + width wraps to 16
  EXPECT_EQ(h.call(set_scanout(0, 1, {0, 0xfffffff0u, 64, 0x20})), kErrParam);
  EXPECT_EQ(h.call(set_scanout(0, 1, {0, 0, 0, 32})), kErrParam);
  EXPECT_TRUE(h.presenter().scanouts.empty());
}

TEST(Scanout, UnrefOfAShownResourceDisablesTheScanout) {
  DeviceHarness h;
  h.make_resource(1, 16, 16);
  ASSERT_EQ(h.call(set_scanout(0, 1, {0, 0, 16, 16})), kOk);
  ASSERT_EQ(h.call(unref(1)), kOk);
  ASSERT_EQ(h.presenter().scanouts.size(), 2u);
  EXPECT_FALSE(h.presenter().scanouts[1].second.enabled);
  // A new resource with the same id is not on the scanout.
  h.make_resource(1, 16, 16);
  EXPECT_EQ(h.call(flush(1, {0, 0, 16, 16})), kOk);
  EXPECT_TRUE(h.presenter().presents.empty());
}

}  // namespace
}  // namespace vugpu::test
