// The test frontend against QEMU's own vhost-user-gpu (7.2 from Debian, 10.0 from backports):
// proves the frontend is a faithful VMM -- the reference backend boots on it, answers the
// guest, and the display peer composes exactly the guest's pixels -- and gives the benchmarks
// a peer. Skipped, with the reason, when a QEMU build is missing.
#include <gtest/gtest.h>
#include <iostream>
#include <linux/virtio_gpu.h>
#include "edid.hpp"
#include "harness.hpp"

namespace vugpu::itest {
namespace {

struct Variant {
  const char* qemu;
  bool event_idx, indirect;
  Placement placement;
  unsigned request_pieces, response_pieces;
  const char* name;
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

class QemuPeer : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    const Variant& v = GetParam();
    BackendLookup lookup = find_qemu_gpu(v.qemu);
    if (!lookup.command) GTEST_SKIP() << lookup.missing_reason;
    s_.backend = std::make_unique<BackendProcess>(*lookup.command);
    VmmOptions o;
    o.ram_bytes = 64ull << 20;
    o.event_idx = v.event_idx;
    o.indirect_desc = v.indirect;
    o.display.outputs = {{1024, 768, true}};
    s_.connect(o);
    layout_ = {v.request_pieces, v.response_pieces, v.indirect, v.placement};
  }
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
    if (s_.vmm) {
      EXPECT_TRUE(s_.clean());
    }
  }

  Session s_;
  ChainLayout layout_;
};

TEST_P(QemuPeer, NegotiatesWhatWasAskedFor) {
  TestVmm& vmm = *s_.vmm;
  EXPECT_TRUE(vmm.has_feature(vu::kFeatureVersion1));
  // QEMU 7.2's backend has no EDID support; 8.0 and later offer it.
  EXPECT_EQ(vmm.has_feature(vu::kFeatureEdid), std::string(GetParam().qemu) != "7.2");
  EXPECT_EQ(vmm.has_feature(vu::kFeatureEventIdx), GetParam().event_idx);
  EXPECT_EQ(vmm.has_feature(vu::kFeatureIndirectDesc), GetParam().indirect);
  EXPECT_TRUE(vmm.has_protocol_feature(vu::kProtocolConfig));
  // num_scanouts is the VMM's business (QEMU overrides it with max_outputs): not checked here.
  // The backend asked the VMM's display side for its protocol features at SET_SOCKET.
  EXPECT_EQ(vmm.run_until([&] { return vmm.display().features_negotiated(); }, Deadline(Millis(2000))), WaitResult::Done);
  EXPECT_EQ(vmm.display().stats().protocol_feature_requests, 1u);
}

TEST_P(QemuPeer, DisplayInfoAndEdidComeFromTheVmm) {
  GuestDriver& gpu = *s_.gpu;
  Completion c = gpu.execute(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info), layout_);
  ASSERT_EQ(c.type(), uint32_t(VIRTIO_GPU_RESP_OK_DISPLAY_INFO)) << response_name(c.type());
  auto info = c.as<virtio_gpu_resp_display_info>();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->pmodes[0].r.width, 1024u);
  EXPECT_EQ(info->pmodes[0].r.height, 768u);
  EXPECT_EQ(info->pmodes[0].enabled, 1u);
  EXPECT_GE(s_.vmm->display().stats().display_info_requests, 1u);

  c = gpu.execute(Queue::Control, cmd::get_edid(0), sizeof(virtio_gpu_resp_edid), layout_);
  if (!s_.vmm->has_feature(vu::kFeatureEdid)) {
    EXPECT_EQ(c.type(), uint32_t(VIRTIO_GPU_RESP_ERR_UNSPEC)) << "EDID not offered: " << response_name(c.type());
    return;
  }
  ASSERT_EQ(c.type(), uint32_t(VIRTIO_GPU_RESP_OK_EDID)) << response_name(c.type());
  auto edid = c.as<virtio_gpu_resp_edid>();
  const EdidInfo e = parse_edid(std::span(edid->edid, std::min<size_t>(edid->size, sizeof(edid->edid))));
  EXPECT_TRUE(e.valid) << e.problem;
  EXPECT_EQ(e.preferred_width, 1024u);
  EXPECT_EQ(e.preferred_height, 768u);
}

TEST_P(QemuPeer, TwoDimensionalSceneReachesTheDisplayExactly) {
  GuestDriver& gpu = *s_.gpu;
  const Placement placement = GetParam().placement;
  Framebuffer fb(gpu, 1, 1024, 768, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, placement);
  fb.draw_pattern(7);
  ASSERT_EQ(fb.create(), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  const auto entries = fb.backing().entries();
  Completion c = gpu.execute(Queue::Control, cmd::attach_backing(1, entries), sizeof(virtio_gpu_ctrl_hdr), layout_);
  ASSERT_EQ(c.type(), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  ASSERT_EQ(fb.set_scanout(0), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  ASSERT_EQ(fb.present(fb.whole()), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");

  // A partial update: only the damaged rectangle travels, the rest stays.
  const GpuRect damage{100, 200, 64, 32};
  fb.fill_rect(damage, 0x123456);
  fb.fill_rect({600, 600, 10, 10}, 0xabcdef);  // drawn but not flushed: must not show
  const uint64_t updates = s_.vmm->display().stats().updates;
  ASSERT_EQ(fb.present(damage), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  EXPECT_GT(s_.vmm->display().stats().updates, updates);
  const Surface* surface = s_.vmm->display().surface(0);
  ASSERT_NE(surface, nullptr);
  EXPECT_EQ(surface->at(100, 200) & 0xffffff, 0x123456u);
  EXPECT_EQ(surface->at(163, 231) & 0xffffff, 0x123456u);
  EXPECT_NE(surface->at(600, 600) & 0xffffff, 0xabcdefu);

  EXPECT_EQ(fb.detach(), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  EXPECT_EQ(fb.unref(), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  EXPECT_EQ(gpu.resource_unref(1), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID));
}

TEST_P(QemuPeer, CursorImageAndMovesReachTheDisplay) {
  GuestDriver& gpu = *s_.gpu;
  Framebuffer cursor(gpu, 5, 64, 64, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
  cursor.draw_pattern(3);
  ASSERT_EQ(cursor.create(), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  ASSERT_EQ(cursor.attach(), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  ASSERT_EQ(cursor.transfer(cursor.whole()), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
  gpu.update_cursor(0, 100, 50, 5, 2, 3);
  const CursorState& c = s_.vmm->display().cursor(0);
  ASSERT_TRUE(c.defined);
  EXPECT_TRUE(c.visible);
  EXPECT_EQ(c.x, 100u);
  EXPECT_EQ(c.y, 50u);
  EXPECT_EQ(c.hot_x, 2u);
  EXPECT_EQ(c.hot_y, 3u);
  for (uint32_t i : {0u, 65u, 4095u})
    EXPECT_EQ(c.image[i] & 0xffffff, cursor.pixel_xrgb(i % 64, i / 64)) << "cursor pixel " << i;
  gpu.move_cursor(0, 300, 400, 5);
  EXPECT_EQ(c.x, 300u);
  EXPECT_EQ(c.y, 400u);
  EXPECT_TRUE(c.visible);
  EXPECT_EQ(s_.vmm->display().stats().cursor_pos, 1u);
  gpu.move_cursor(0, 310, 410, 0);  // resource 0: hide
  EXPECT_FALSE(c.visible);
  EXPECT_EQ(s_.vmm->display().stats().cursor_hide, 1u);
}

TEST_P(QemuPeer, FencedCommandsCompleteInOrderWithTheirFenceIds) {
  GuestDriver& gpu = *s_.gpu;
  std::vector<Ticket> tickets;
  for (uint32_t i = 0; i < 16; ++i)
    tickets.push_back(gpu.submit(Queue::Control, cmd::resource_create_2d(100 + i, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 32, 32,
                                                                         with_fence(1000 + i)),
                                 sizeof(virtio_gpu_ctrl_hdr), layout_, i == 15));
  uint64_t last = 0;
  for (uint32_t i = 0; i < 16; ++i) {
    auto c = gpu.wait(tickets[i]);
    ASSERT_TRUE(c) << "command " << i;
    EXPECT_EQ(c->type(), uint32_t(VIRTIO_GPU_RESP_OK_NODATA));
    EXPECT_TRUE(c->flags() & VIRTIO_GPU_FLAG_FENCE);
    EXPECT_EQ(c->fence_id(), 1000u + i);
    if (i) {
      EXPECT_GT(c->sequence, last);
    }
    last = c->sequence;
  }
}

TEST_P(QemuPeer, StopReturnsTheAvailIndexes) {
  GuestDriver& gpu = *s_.gpu;
  gpu.get_display_info();
  gpu.move_cursor(0, 1, 1, 0);
  const auto bases = s_.vmm->stop();
  ASSERT_EQ(bases.size(), 2u);
  EXPECT_EQ(bases[0], s_.vmm->queue(Queue::Control).avail_idx());
  EXPECT_EQ(bases[1], s_.vmm->queue(Queue::Cursor).avail_idx());
}

const Variant kVariants[] = {
    {"7.2", false, false, Placement::Contiguous, 1, 1, "qemu72_plain"},
    {"7.2", true, true, Placement::Scattered, 3, 2, "qemu72_eventidx_indirect_scattered"},
    {"10.0", false, false, Placement::Contiguous, 1, 1, "qemu10_plain"},
    {"10.0", true, false, Placement::Scattered, 2, 3, "qemu10_eventidx_split"},
    {"10.0", false, true, Placement::Contiguous, 4, 1, "qemu10_indirect"},
};

INSTANTIATE_TEST_SUITE_P(Qemu, QemuPeer, ::testing::ValuesIn(kVariants),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vugpu::itest
