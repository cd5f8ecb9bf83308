// The whole 2D/cursor command set against the vugpu daemon over its real socket, with the
// stand-in VMM's display peer as the screen: display info, EDID, create/attach/transfer/
// set_scanout/flush with the composed surface compared pixel by pixel, cursor, unref/detach,
// fences in order, two scanouts. Each test starts its own daemon (about 20 ms).
#include <gtest/gtest.h>
#include <iostream>
#include <linux/virtio_gpu.h>
#include <sys/socket.h>
#include <algorithm>
#include <cstring>
#include "edid.hpp"
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
constexpr auto kHdr = uint32_t(sizeof(virtio_gpu_ctrl_hdr));

// Messages of type `request` waiting unread on a display socket (peeked at, not consumed).
int queued_requests(int fd, uint32_t request) {
  std::vector<uint8_t> buf(1 << 16);
  const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_PEEK | MSG_DONTWAIT);
  int found = 0;
  gpu::Header h{};
  for (size_t at = 0; n > 0 && at + sizeof h <= size_t(n); at += sizeof h + h.size) {
    std::memcpy(&h, &buf[at], sizeof h);
    found += h.request == request;
  }
  return found;
}

class VugpuCommands : public ::testing::Test {
 protected:
  // Config scanouts (what the daemon is told) and the VMM's outputs (what QEMU would report)
  // differ on purpose: the guest must see the VMM's, as with QEMU's own backend.
  void start(std::vector<DisplayOutput> config_scanouts = {{1280, 800, true}},
             std::vector<DisplayOutput> vmm_outputs = {{1024, 768, true}}, VmmOptions o = {}) {
    VUGPU_START_OR_SKIP(s_, config_scanouts);
    o.display.outputs = std::move(vmm_outputs);
    s_.connect(o);
  }
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
    if (s_.vmm) {
      EXPECT_TRUE(s_.clean());
      EXPECT_TRUE(s_.backend->alive()) << s_.diagnostics();
    }
  }
  GuestDriver& gpu() { return *s_.gpu; }
  DisplayPeer& display() { return s_.vmm->display(); }

  Session s_;
};

TEST_F(VugpuCommands, OffersWhatAVmmNeeds) {
  start();
  TestVmm& vmm = *s_.vmm;
  EXPECT_TRUE(vmm.has_feature(vu::kFeatureVersion1));
  EXPECT_TRUE(vmm.has_feature(vu::kFeatureProtocolFeatures));
  EXPECT_TRUE(vmm.has_feature(vu::kFeatureEdid));
  EXPECT_TRUE(vmm.offered_features() & vu::bit(vu::kFeatureEventIdx));
  EXPECT_TRUE(vmm.offered_features() & vu::bit(vu::kFeatureIndirectDesc));
  EXPECT_FALSE(vmm.offered_features() & vu::bit(vu::kFeatureLogAll)) << "no migration logging to offer";
  EXPECT_TRUE(vmm.has_protocol_feature(vu::kProtocolReplyAck));
  EXPECT_TRUE(vmm.has_protocol_feature(vu::kProtocolConfig));
  EXPECT_EQ(vmm.config().num_scanouts, 1u) << "the configured scanout count";
  EXPECT_EQ(vmm.run_until([&] { return display().features_negotiated(); }, Deadline(Millis(2000))), WaitResult::Done);
}

TEST_F(VugpuCommands, DisplayInfoComesFromTheVmm) {
  start({{1280, 800, true}}, {{1024, 768, true}, {800, 600, false}});
  const auto info = gpu().get_display_info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->hdr.type, uint32_t(VIRTIO_GPU_RESP_OK_DISPLAY_INFO));
  EXPECT_EQ(info->pmodes[0].r.width, 1024u);
  EXPECT_EQ(info->pmodes[0].r.height, 768u);
  EXPECT_EQ(info->pmodes[0].enabled, 1u);
  EXPECT_EQ(info->pmodes[1].enabled, 0u);
  for (int i = 2; i < VIRTIO_GPU_MAX_SCANOUTS; ++i) EXPECT_EQ(info->pmodes[i].r.width, 0u) << "scanout " << i;
  EXPECT_GE(display().stats().display_info_requests, 1u);
}

TEST_F(VugpuCommands, ResponsesSayHowManyBytesWereWritten) {
  start();
  Completion c = gpu().execute(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info));
  EXPECT_EQ(c.written, sizeof(virtio_gpu_resp_display_info));
  c = gpu().execute(Queue::Control, cmd::resource_create_2d(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 8, 8), 1024);
  EXPECT_EQ(c.type(), kOk);
  EXPECT_EQ(c.written, kHdr) << "OK_NODATA is a bare header, even with room for more";
}

TEST_F(VugpuCommands, EdidIsValidAndMatchesTheVmmDisplay) {
  start();
  const EdidReply r = gpu().get_edid(0);
  ASSERT_EQ(r.type, uint32_t(VIRTIO_GPU_RESP_OK_EDID)) << response_name(r.type);
  const EdidInfo e = parse_edid(r.edid);
  EXPECT_TRUE(e.valid) << e.problem;
  EXPECT_EQ(e.preferred_width, 1024u);
  EXPECT_EQ(e.preferred_height, 768u);
  // The bytes after `size` in the 1024-byte array must be zeros, not leftovers.
  Completion c = gpu().execute(Queue::Control, cmd::get_edid(0), sizeof(virtio_gpu_resp_edid));
  auto resp = c.as<virtio_gpu_resp_edid>();
  ASSERT_TRUE(resp);
  ASSERT_LE(resp->size, sizeof(resp->edid));
  EXPECT_TRUE(std::all_of(resp->edid + resp->size, resp->edid + sizeof(resp->edid), [](uint8_t b) { return b == 0; }));
}

// QEMU never answers GET_EDID for a scanout it lacks, and reports a disabled output exactly like
// a missing one, so with a VMM display every id below 16 is valid for the daemon: it must answer
// those itself (a valid EDID) without asking the VMM, and refuse ids from 16 on.
TEST_F(VugpuCommands, EdidForAScanoutTheVmmLacksIsAnsweredWithoutAskingIt) {
  start();
  const EdidReply r = gpu().get_edid(5);
  for (const DisplayEvent& e : display().events())
    EXPECT_FALSE(e.request == gpu::kGetEdid && e.scanout == 5) << "asked the VMM about a scanout it does not have";
  // Had it asked, it would have waited for an answer QEMU never sends, until its time-out.
  EXPECT_EQ(s_.backend->log().find("no reply from the VMM"), std::string::npos) << "waited on the VMM";
  if (r.type == VIRTIO_GPU_RESP_OK_EDID) {
    const EdidInfo e = parse_edid(r.edid);
    EXPECT_TRUE(e.valid) << e.problem;
  } else {
    EXPECT_EQ(r.type, uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID)) << response_name(r.type);
  }
  EXPECT_EQ(gpu().get_edid(16).type, uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID));
  EXPECT_EQ(gpu().get_edid(0xffffffffu).type, uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID));
}

// A guest kicks its first commands right after DRIVER_OK, while the daemon's first display
// question (GET_PROTOCOL_FEATURES, sent at SET_SOCKET) is still unanswered: QEMU serves the
// display socket only once its vhost-user set-up is done. The answers must not get mixed up.
TEST_F(VugpuCommands, GuestQuestionsBeforeTheVmmAnsweredTheFirstDisplayQuestion) {
  start({{1280, 800, true}}, {{1024, 768, true}});
  const Ticket info = gpu().submit(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info));
  const Ticket bad_edid = gpu().submit(Queue::Control, cmd::get_edid(16), sizeof(virtio_gpu_resp_edid));
  const Ticket edid = gpu().submit(Queue::Control, cmd::get_edid(0), sizeof(virtio_gpu_resp_edid));
  // The VMM is busy elsewhere: it reads nothing until the daemon's question about the guest's
  // command (GET_DISPLAY_INFO) is queued behind the unanswered first one on the display socket.
  ASSERT_TRUE(eventually([&] { return queued_requests(display().fd(), gpu::kGetDisplayInfo) >= 1; }))
      << "the daemon did not ask the VMM about the guest's command";
  auto i = gpu().wait(info), b = gpu().wait(bad_edid), e = gpu().wait(edid);
  ASSERT_TRUE(i && b && e);
  ASSERT_EQ(i->type(), uint32_t(VIRTIO_GPU_RESP_OK_DISPLAY_INFO));
  EXPECT_EQ(i->as<virtio_gpu_resp_display_info>()->pmodes[0].r.width, 1024u);
  EXPECT_EQ(i->as<virtio_gpu_resp_display_info>()->pmodes[1].enabled, 0u);
  EXPECT_EQ(b->type(), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID)) << response_name(b->type());
  ASSERT_EQ(e->type(), uint32_t(VIRTIO_GPU_RESP_OK_EDID)) << response_name(e->type());
  auto resp = e->as<virtio_gpu_resp_edid>();
  const EdidInfo parsed = parse_edid(std::span(resp->edid, std::min<size_t>(resp->size, sizeof resp->edid)));
  EXPECT_TRUE(parsed.valid) << parsed.problem;
  EXPECT_EQ(parsed.preferred_width, 1024u) << "EDID not the VMM's";
}

TEST_F(VugpuCommands, FullSceneReachesTheVmmPixelExact) {
  start({{1280, 800, true}}, {{1280, 800, true}});
  Framebuffer fb(gpu(), 1, 1280, 800);
  fb.draw_pattern(1);
  ASSERT_EQ(fb.show_on(0), kOk);
  EXPECT_EQ(fb.compare(display().surface(0)), "");
  // Partial updates: only the flushed rectangle changes on screen.
  fb.fill_rect({10, 20, 300, 100}, 0x336699);
  fb.fill_rect({900, 700, 50, 50}, 0xff0000);  // drawn, transferred, but not flushed
  ASSERT_EQ(fb.transfer({900, 700, 50, 50}), kOk);
  ASSERT_EQ(fb.present({10, 20, 300, 100}), kOk);
  const Surface* s = display().surface(0);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->at(10, 20) & 0xffffff, 0x336699u);
  EXPECT_EQ(s->at(309, 119) & 0xffffff, 0x336699u);
  EXPECT_NE(s->at(920, 720) & 0xffffff, 0xff0000u) << "not flushed yet";
  ASSERT_EQ(fb.flush({900, 700, 50, 50}), kOk);
  EXPECT_EQ(fb.compare(display().surface(0)), "");
}

// Every 2D format the guest may pick: what QEMU's console shows is x8r8g8b8.
class VugpuFormats : public VugpuCommands, public ::testing::WithParamInterface<uint32_t> {};

TEST_P(VugpuFormats, PixelsAreConvertedForTheVmm) {
  start({{96, 64, true}}, {{96, 64, true}});
  Framebuffer fb(gpu(), 7, 96, 64, GetParam());
  fb.draw_pattern(GetParam());
  ASSERT_EQ(fb.show_on(0), kOk);
  EXPECT_EQ(fb.compare(display().surface(0)), "");
}

INSTANTIATE_TEST_SUITE_P(All, VugpuFormats,
                         ::testing::Values(VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM,
                                           VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM, VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM,
                                           VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM,
                                           VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM));

// The transport paths a guest may use: event index, indirect descriptors, split buffers,
// scattered pages, two memory regions.
struct Transport {
  const char* name;
  bool event_idx, indirect;
  unsigned regions, request_pieces, response_pieces;
  Placement placement;
  bool add_mem_reg = true;  // QEMU 10's ADD_MEM_REG (CONFIGURE_MEM_SLOTS) or SET_MEM_TABLE
  AckPolicy acks = AckPolicy::Qemu;
};
void PrintTo(const Transport& t, std::ostream* os) { *os << t.name; }

class VugpuTransport : public VugpuCommands, public ::testing::WithParamInterface<Transport> {};

TEST_P(VugpuTransport, SceneAndDisplayInfoSurviveEveryChainShape) {
  const Transport& t = GetParam();
  VmmOptions o;
  o.event_idx = t.event_idx;
  o.indirect_desc = t.indirect;
  o.ram_regions = t.regions;
  o.acks = t.acks;
  if (!t.add_mem_reg) o.protocol_features &= ~vu::bit(vu::kProtocolConfigureMemSlots);
  start({{640, 480, true}}, {{640, 480, true}}, o);
  EXPECT_EQ(s_.vmm->has_protocol_feature(vu::kProtocolConfigureMemSlots), t.add_mem_reg);
  EXPECT_EQ(s_.vmm->has_feature(vu::kFeatureEventIdx), t.event_idx);
  EXPECT_EQ(s_.vmm->has_feature(vu::kFeatureIndirectDesc), t.indirect);
  const ChainLayout layout{t.request_pieces, t.response_pieces, t.indirect, t.placement};
  Completion c = gpu().execute(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info), layout);
  ASSERT_EQ(c.type(), uint32_t(VIRTIO_GPU_RESP_OK_DISPLAY_INFO));
  EXPECT_EQ(c.as<virtio_gpu_resp_display_info>()->pmodes[0].r.width, 640u);

  Framebuffer fb(gpu(), 3, 640, 480, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, t.placement);
  fb.draw_pattern(9);
  ASSERT_EQ(fb.create(), kOk);
  const auto entries = fb.backing().entries();
  ASSERT_EQ(gpu().execute(Queue::Control, cmd::attach_backing(3, entries), kHdr, layout).type(), kOk);
  ASSERT_EQ(fb.set_scanout(0), kOk);
  for (int frame = 0; frame < 5; ++frame) {
    fb.fill_rect({uint32_t(frame * 20), 0, 20, 480}, 0x010101u * uint32_t(frame + 1));
    ASSERT_EQ(gpu().execute(Queue::Control, cmd::transfer_to_host_2d(3, fb.whole(), 0), kHdr, layout).type(), kOk);
    ASSERT_EQ(gpu().execute(Queue::Control, cmd::resource_flush(3, fb.whole()), kHdr, layout).type(), kOk);
  }
  EXPECT_EQ(fb.compare(display().surface(0)), "");
  // Many small commands in flight at once (the queue wraps several times).
  std::vector<Ticket> tickets;
  for (int i = 0; i < 600; ++i)
    tickets.push_back(gpu().submit(Queue::Control, cmd::resource_flush(3, {0, 0, 8, 8}), kHdr, layout, i % 7 == 0));
  gpu().kick(Queue::Control);
  ASSERT_TRUE(gpu().wait_all(Millis(10000)));
  for (Ticket tk : tickets) EXPECT_EQ(gpu().take(tk)->type(), kOk);
}

const Transport kTransports[] = {
    {"plain", false, false, 1, 1, 1, Placement::Contiguous},
    {"event_idx", true, false, 1, 1, 1, Placement::Contiguous},
    {"indirect", false, true, 1, 3, 2, Placement::Contiguous},
    {"event_idx_indirect_scattered", true, true, 1, 2, 2, Placement::Scattered},
    {"split_buffers_two_regions", false, false, 2, 5, 3, Placement::Scattered},
    {"set_mem_table_two_regions", false, false, 2, 1, 1, Placement::Scattered, false},
    {"qemu72_acks_set_mem_table", true, true, 1, 2, 1, Placement::Contiguous, false, AckPolicy::Qemu72},
    {"ack_every_message", false, false, 2, 1, 1, Placement::Contiguous, true, AckPolicy::Every},
    {"never_ack", true, false, 1, 1, 1, Placement::Contiguous, true, AckPolicy::Never},
};
INSTANTIATE_TEST_SUITE_P(Shapes, VugpuTransport, ::testing::ValuesIn(kTransports),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(VugpuCommands, SetScanoutShowsTheChosenPartOfAResource) {
  start({{1280, 800, true}}, {{1280, 800, true}});
  Framebuffer fb(gpu(), 2, 300, 200);
  fb.draw_pattern(4);
  ASSERT_EQ(fb.create(), kOk);
  ASSERT_EQ(fb.attach(), kOk);
  const GpuRect view{50, 30, 160, 120};
  ASSERT_EQ(fb.set_scanout(0, view), kOk);
  ASSERT_EQ(fb.present(fb.whole()), kOk);
  EXPECT_EQ(fb.compare(display().surface(0), view), "");
}

// Sub-rectangle transfers land where the guest put them: the offset is that of the rect's
// first pixel in the backing, rows one resource stride apart; scattered pages make rows
// straddle page boundaries at odd places.
TEST_F(VugpuCommands, PartialTransfersLandWhereTheGuestPutThem) {
  start({{1280, 800, true}}, {{333, 217, true}});
  Framebuffer fb(gpu(), 1, 333, 217, VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, Placement::Scattered);
  ASSERT_EQ(fb.show_on(0), kOk);
  uint32_t seed = 12345;
  auto rnd = [&](uint32_t n) { seed = seed * 1103515245 + 12345; return (seed >> 8) % n; };
  for (int i = 0; i < 40; ++i) {
    const uint32_t x = rnd(333), y = rnd(217);
    const GpuRect r{x, y, 1 + rnd(333 - x), 1 + rnd(217 - y)};
    fb.fill_rect(r, (seed & 0xffffff) | 0x010101);
    ASSERT_EQ(fb.transfer(r), kOk) << "rect " << i;
  }
  ASSERT_EQ(fb.flush(fb.whole()), kOk);
  EXPECT_EQ(fb.compare(display().surface(0)), "");
}

// A flush of a rectangle that only partly overlaps what a scanout shows updates just the
// overlap, in scanout coordinates.
TEST_F(VugpuCommands, FlushesAreClippedToTheScanoutView) {
  start({{1280, 800, true}}, {{200, 100, true}});
  Framebuffer fb(gpu(), 1, 400, 300);
  fb.draw_pattern(3);
  ASSERT_EQ(fb.create(), kOk);
  ASSERT_EQ(fb.attach(), kOk);
  const GpuRect view{150, 120, 200, 100};
  ASSERT_EQ(fb.set_scanout(0, view), kOk);
  ASSERT_EQ(fb.present(fb.whole()), kOk);
  EXPECT_EQ(fb.compare(display().surface(0), view), "");
  display().clear_events();
  fb.fill_rect({100, 100, 100, 50}, 0x0000ff);  // overlaps the view's top-left corner only
  ASSERT_EQ(fb.present({100, 100, 100, 50}), kOk);
  EXPECT_EQ(fb.compare(display().surface(0), view), "");
  for (const DisplayEvent& e : display().events()) {
    if (e.request != gpu::kUpdate) continue;
    EXPECT_LE(uint64_t(e.x) + e.width, 200u) << "UPDATE outside the scanout";
    EXPECT_LE(uint64_t(e.y) + e.height, 100u) << "UPDATE outside the scanout";
  }
  const uint64_t updates = display().stats().updates;
  ASSERT_EQ(fb.flush({0, 0, 100, 100}), kOk);  // entirely outside the view
  EXPECT_EQ(display().stats().updates, updates) << "an UPDATE for a rectangle the scanout does not show";
}

TEST_F(VugpuCommands, CursorImageAndMovesReachTheVmm) {
  start();
  Framebuffer cursor(gpu(), 9, 64, 64, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM);
  cursor.draw_pattern(5);
  ASSERT_EQ(cursor.create(), kOk);
  ASSERT_EQ(cursor.attach(), kOk);
  ASSERT_EQ(cursor.transfer(cursor.whole()), kOk);
  gpu().update_cursor(0, 100, 50, 9, 4, 6);
  const CursorState& c = display().cursor(0);
  ASSERT_TRUE(c.defined);
  EXPECT_TRUE(c.visible);
  EXPECT_EQ(c.x, 100u);
  EXPECT_EQ(c.y, 50u);
  EXPECT_EQ(c.hot_x, 4u);
  EXPECT_EQ(c.hot_y, 6u);
  uint64_t wrong = 0;
  for (uint32_t i = 0; i < 64 * 64; ++i) wrong += (c.image[i] & 0xffffff) != cursor.pixel_xrgb(i % 64, i / 64);
  EXPECT_EQ(wrong, 0u) << "cursor pixels differ from the guest's";
  gpu().move_cursor(0, 300, 400, 9);
  EXPECT_EQ(c.x, 300u);
  EXPECT_EQ(c.y, 400u);
  EXPECT_TRUE(c.visible);
  // MOVE_CURSOR naming resource 0 hides it, as QEMU's backend does (CURSOR_POS_HIDE) ...
  const uint64_t hides = display().stats().cursor_hide;
  gpu().move_cursor(0, 310, 410, 0);
  EXPECT_FALSE(c.visible);
  EXPECT_EQ(display().stats().cursor_hide, hides + 1);
  EXPECT_EQ(c.x, 310u);
  // ... and a move naming the cursor's resource shows it again.
  gpu().move_cursor(0, 320, 420, 9);
  EXPECT_TRUE(c.visible);
  EXPECT_EQ(c.x, 320u);
  gpu().update_cursor(0, 10, 10, 0, 0, 0);  // resource 0: hide
  EXPECT_FALSE(c.visible);
}

TEST_F(VugpuCommands, UnrefAndDetachFreeWhatTheyName) {
  start({{1280, 800, true}}, {{320, 240, true}});
  Framebuffer fb(gpu(), 4, 320, 240);
  fb.draw_pattern(2);
  ASSERT_EQ(fb.show_on(0), kOk);
  ASSERT_NE(display().surface(0), nullptr);
  EXPECT_EQ(fb.detach(), kOk);
  EXPECT_NE(fb.transfer(fb.whole()), kOk) << "no backing to read from any more";
  EXPECT_EQ(fb.attach(), kOk) << "backing can be attached again";
  EXPECT_EQ(fb.transfer(fb.whole()), kOk);
  EXPECT_EQ(fb.unref(), kOk);
  EXPECT_EQ(gpu().resource_unref(4), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID));
  EXPECT_EQ(gpu().resource_flush(4, {0, 0, 8, 8}), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID));
  EXPECT_EQ(gpu().detach_backing(4), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID));
  // The scanout showed resource 4: QEMU's backend disables it (SCANOUT 0x0) when it goes.
  EXPECT_EQ(display().surface(0), nullptr) << "the VMM still shows a destroyed resource";
  // The id is free again.
  EXPECT_EQ(gpu().resource_create_2d(4, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 16, 16), kOk);
  EXPECT_EQ(gpu().resource_create_2d(4, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 16, 16),
            uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID))
      << "an id in use cannot be created twice";
}

TEST_F(VugpuCommands, FencesCompleteInOrderWithTheirIds) {
  start({{1280, 800, true}}, {{256, 256, true}});
  Framebuffer fb(gpu(), 1, 256, 256);
  ASSERT_EQ(fb.show_on(0), kOk);
  std::vector<Ticket> tickets;
  std::vector<uint64_t> fences;
  for (uint32_t i = 0; i < 48; ++i) {
    const uint64_t fence = 5000 + i * 3;
    Bytes c;
    switch (i % 3) {
      case 0: c = cmd::transfer_to_host_2d(1, {0, 0, 256, 256}, 0, with_fence(fence)); break;
      case 1: c = cmd::resource_flush(1, {0, 0, 256, 256}, with_fence(fence)); break;
      default: c = cmd::resource_create_2d(100 + i, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 16, 16, with_fence(fence));
    }
    tickets.push_back(gpu().submit(Queue::Control, c, kHdr, {}, false));
    fences.push_back(fence);
  }
  gpu().kick(Queue::Control);
  uint64_t last = 0;
  for (size_t i = 0; i < tickets.size(); ++i) {
    auto c = gpu().wait(tickets[i]);
    ASSERT_TRUE(c) << "fenced command " << i << " never completed";
    EXPECT_EQ(c->type(), kOk);
    EXPECT_TRUE(c->flags() & VIRTIO_GPU_FLAG_FENCE) << "command " << i;
    EXPECT_EQ(c->fence_id(), fences[i]);
    if (i > 0) {
      EXPECT_GT(c->sequence, last) << "fence " << fences[i] << " completed before an earlier one";
    }
    last = c->sequence;
  }
}

TEST_F(VugpuCommands, TwoScanoutsShowTheirOwnFramebuffers) {
  start({{640, 480, true}, {320, 200, true}}, {{640, 480, true}, {320, 200, true}});
  EXPECT_EQ(s_.vmm->config().num_scanouts, 2u);
  const auto info = gpu().get_display_info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->pmodes[1].r.width, 320u);
  EXPECT_EQ(info->pmodes[1].enabled, 1u);
  Framebuffer a(gpu(), 1, 640, 480), b(gpu(), 2, 320, 200, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM);
  a.draw_pattern(11);
  b.draw_pattern(12);
  ASSERT_EQ(a.show_on(0), kOk);
  ASSERT_EQ(b.show_on(1), kOk);
  EXPECT_EQ(a.compare(display().surface(0)), "");
  EXPECT_EQ(b.compare(display().surface(1)), "");
  // One resource on both screens, each showing its own part; a flush updates both.
  ASSERT_EQ(a.set_scanout(1, {100, 100, 320, 200}), kOk);
  a.fill_rect({150, 150, 100, 100}, 0x00ff00);
  ASSERT_EQ(a.present(a.whole()), kOk);
  EXPECT_EQ(a.compare(display().surface(0)), "");
  EXPECT_EQ(a.compare(display().surface(1), {100, 100, 320, 200}), "");
  // Disabling scanout 1 (resource 0) takes it off the VMM's screen.
  ASSERT_EQ(gpu().set_scanout(1, 0, {0, 0, 0, 0}), kOk);
  EXPECT_EQ(display().surface(1), nullptr);
}

TEST_F(VugpuCommands, ScanoutFollowsResourceSwitchesAndResizes) {
  start({{1280, 800, true}}, {{1280, 800, true}});
  Framebuffer small(gpu(), 1, 640, 480), big(gpu(), 2, 800, 600, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM);
  small.draw_pattern(1);
  big.draw_pattern(2);
  ASSERT_EQ(small.show_on(0), kOk);
  EXPECT_EQ(small.compare(display().surface(0)), "");
  ASSERT_EQ(big.show_on(0), kOk);  // page flip to a bigger buffer: the VMM's surface follows
  EXPECT_EQ(big.compare(display().surface(0)), "");
  ASSERT_EQ(small.set_scanout(0), kOk);  // and back, without a new transfer
  ASSERT_EQ(small.flush(small.whole()), kOk);
  EXPECT_EQ(small.compare(display().surface(0)), "");
  // A flush of the resource no scanout shows changes nothing on screen.
  const uint64_t updates = display().stats().updates;
  big.fill_rect(big.whole(), 0xffffff);
  ASSERT_EQ(big.present(big.whole()), kOk);
  EXPECT_EQ(display().stats().updates, updates);
  EXPECT_EQ(small.compare(display().surface(0)), "");
}

// The guest reboots (or reloads its driver): QEMU stops the device (display socket closed,
// GET_VRING_BASE), and at the next DRIVER_OK starts it with new rings from index 0. Every
// resource of the old driver is gone; the new one starts from scratch.
TEST_F(VugpuCommands, GuestResetStartsFromScratch) {
  start({{1280, 800, true}}, {{640, 480, true}});
  {
    Framebuffer fb(gpu(), 1, 640, 480);
    fb.draw_pattern(1);
    ASSERT_EQ(fb.show_on(0), kOk);
  }
  const auto bases = s_.vmm->stop();
  EXPECT_EQ(bases[0], s_.vmm->queue(Queue::Control).avail_idx());
  s_.gpu.reset();
  s_.vmm->reinit_driver();
  s_.vmm->start();
  s_.gpu = std::make_unique<GuestDriver>(*s_.vmm);
  EXPECT_EQ(gpu().resource_flush(1, {0, 0, 8, 8}), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID))
      << "a resource of the previous driver survived the reset";
  Framebuffer fb(gpu(), 1, 640, 480);
  fb.draw_pattern(2);
  ASSERT_EQ(fb.show_on(0), kOk) << "the id of a resource from before the reset is not free";
  EXPECT_EQ(fb.compare(display().surface(0)), "");
}

// QEMU with max_outputs=2 reports the second output disabled (all zeroes) until the guest
// forces the connector on (video=Virtual-2:...): the guest may then show a framebuffer there,
// although the daemon was configured with one scanout.
TEST_F(VugpuCommands, GuestForcesADisabledVmmOutputOn) {
  start({{1280, 800, true}}, {{640, 480, true}, {320, 240, false}});
  const auto info = gpu().get_display_info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->pmodes[1].enabled, 0u);
  Framebuffer fb(gpu(), 5, 320, 240);
  fb.draw_pattern(8);
  ASSERT_EQ(fb.show_on(1), kOk);
  EXPECT_EQ(fb.compare(display().surface(1)), "");
  const EdidReply e = gpu().get_edid(1);
  ASSERT_EQ(e.type, uint32_t(VIRTIO_GPU_RESP_OK_EDID)) << response_name(e.type);
  EXPECT_TRUE(parse_edid(e.edid).valid);
}

TEST_F(VugpuCommands, UnknownCommandsAreRefused) {
  start();
  EXPECT_EQ(gpu().simple(cmd::header_only(0x0177)), uint32_t(VIRTIO_GPU_RESP_ERR_UNSPEC));
  EXPECT_EQ(gpu().simple(cmd::header_only(0)), uint32_t(VIRTIO_GPU_RESP_ERR_UNSPEC));
  // 3D commands on a 2D renderer: refused, never a silent success.
  EXPECT_NE(gpu().simple(cmd::ctx_create(1, "test")), kOk);
  EXPECT_NE(gpu().simple(cmd::submit_3d(1, std::vector<uint8_t>(16, 0))), kOk);
  // And the device still works.
  EXPECT_TRUE(gpu().get_display_info());
}

}  // namespace
}  // namespace vugpu::itest
