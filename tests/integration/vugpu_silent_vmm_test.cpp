// A VMM whose display side never answers (hung, or a VMM that does not implement the
// questions): the daemon waits its time-out (2 s by default), then answers the guest from its
// configuration, and keeps working. Label e2e: each test sits out that time-out.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <cstdio>
#include <iostream>
#include "edid.hpp"
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;

class VugpuSilentVmm : public ::testing::Test {
 protected:
  void start(DisplayPeerOptions d) {
    VUGPU_START_OR_SKIP(s_, {{1280, 800, true}});
    VmmOptions o;
    o.display = d;
    o.display.outputs = {{1024, 768, true}};
    s_.connect(o);
  }
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
    if (s_.backend) {
      EXPECT_TRUE(s_.backend->alive());
    }
  }
  // Runs a command and says how long the guest waited.
  Completion timed(const Bytes& request, uint32_t response, double& seconds) {
    const auto t0 = Clock::now();
    Completion c = s_.gpu->execute(Queue::Control, request, response, {}, Millis(10000));
    seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return c;
  }
  Session s_;
};

TEST_F(VugpuSilentVmm, DisplayInfoFallsBackToTheConfiguration) {
  DisplayPeerOptions d;
  d.answer_display_info = false;
  start(d);
  double waited = 0;
  Completion c = timed(cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info), waited);
  std::printf("GET_DISPLAY_INFO with a silent VMM: answered after %.2f s\n", waited);
  ASSERT_EQ(c.type(), uint32_t(VIRTIO_GPU_RESP_OK_DISPLAY_INFO));
  EXPECT_EQ(c.as<virtio_gpu_resp_display_info>()->pmodes[0].r.width, 1280u) << "the configuration's size";
  EXPECT_LT(waited, 5.0);
  // The device still draws (the VMM still takes SCANOUT/UPDATE; it only does not answer).
  Framebuffer fb(*s_.gpu, 1, 1024, 768);
  fb.draw_pattern(5);
  ASSERT_EQ(fb.show_on(0), kOk);
  EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");
}

TEST_F(VugpuSilentVmm, EdidFallsBackToAGeneratedOne) {
  DisplayPeerOptions d;
  d.answer_edid = false;
  start(d);
  double waited = 0;
  Completion c = timed(cmd::get_edid(0), sizeof(virtio_gpu_resp_edid), waited);
  std::printf("GET_EDID with a VMM that never answers it: answered after %.2f s\n", waited);
  EXPECT_LT(waited, 5.0);
  if (c.type() == VIRTIO_GPU_RESP_OK_EDID) {
    auto r = c.as<virtio_gpu_resp_edid>();
    const EdidInfo e = parse_edid(std::span(r->edid, std::min<size_t>(r->size, sizeof r->edid)));
    EXPECT_TRUE(e.valid) << e.problem;
  } else {
    EXPECT_EQ(c.type(), uint32_t(VIRTIO_GPU_RESP_ERR_UNSPEC)) << response_name(c.type());
  }
  EXPECT_TRUE(s_.gpu->get_display_info()) << "the device stops after the silent question";
}

TEST_F(VugpuSilentVmm, NoProtocolFeaturesAnswer) {
  DisplayPeerOptions d;
  d.answer_protocol_features = false;
  start(d);
  double waited = 0;
  Completion c = timed(cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info), waited);
  std::printf("GET_DISPLAY_INFO after an unanswered GET_PROTOCOL_FEATURES: %.2f s\n", waited);
  EXPECT_EQ(c.type(), uint32_t(VIRTIO_GPU_RESP_OK_DISPLAY_INFO));
  EXPECT_LT(waited, 5.0);
  Framebuffer fb(*s_.gpu, 1, 1024, 768);
  fb.draw_pattern(6);
  ASSERT_EQ(fb.show_on(0), kOk);
  EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");
}

}  // namespace
}  // namespace vugpu::itest
