// The display peer, driven by a hand-written "backend" on the other end of its socket pair.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <poll.h>
#include <cstring>
#include "display_peer.hpp"

using namespace vugpu::frontend;

namespace {

class FakeBackend {
 public:
  explicit FakeBackend(UniqueFd fd) : fd_(std::move(fd)) {}
  void send(uint32_t request, const void* payload, uint32_t size) {
    gpu::Header h{request, 0, size};
    iovec iov[2] = {{&h, sizeof(h)}, {const_cast<void*>(payload), size}};
    ASSERT_EQ(send_all(fd_.get(), iov, {}, Deadline(Millis(1000))), IoStatus::Ok);
  }
  // A reply, or nothing within `ms`.
  std::optional<std::pair<gpu::Header, std::vector<uint8_t>>> reply(int ms = 200) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return std::nullopt;
    gpu::Header h;
    if (recv_exact(fd_.get(), &h, sizeof(h), nullptr, Deadline(Millis(1000))) != IoStatus::Ok) return std::nullopt;
    std::vector<uint8_t> body(h.size);
    recv_exact(fd_.get(), body.data(), body.size(), nullptr, Deadline(Millis(1000)));
    return std::pair{h, body};
  }

 private:
  UniqueFd fd_;
};

void serve(DisplayPeer& peer) { peer.drain(Deadline(Millis(1000))); }

}  // namespace

TEST(DisplayPeer, AnswersFeaturesAndDisplayInfo) {
  DisplayPeerOptions o;
  o.outputs = {{1024, 768, true}, {800, 600, false}};
  DisplayPeer peer(o);
  FakeBackend be(peer.open());
  be.send(gpu::kGetProtocolFeatures, nullptr, 0);
  serve(peer);
  auto r = be.reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first.flags, gpu::kReplyFlag);
  ASSERT_EQ(r->second.size(), 8u);
  uint64_t f;
  std::memcpy(&f, r->second.data(), 8);
  EXPECT_EQ(f, 3u);
  const uint64_t want = 1;
  be.send(gpu::kSetProtocolFeatures, &want, 8);
  be.send(gpu::kGetDisplayInfo, nullptr, 0);
  serve(peer);
  EXPECT_EQ(peer.negotiated_features(), 1u);
  r = be.reply();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->second.size(), sizeof(virtio_gpu_resp_display_info));
  virtio_gpu_resp_display_info info;
  std::memcpy(&info, r->second.data(), sizeof(info));
  EXPECT_EQ(info.hdr.type, VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
  EXPECT_EQ(info.pmodes[0].r.width, 1024u);
  EXPECT_EQ(info.pmodes[0].enabled, 1u);
  EXPECT_EQ(info.pmodes[1].enabled, 0u);
  EXPECT_EQ(info.pmodes[1].r.width, 0u) << "QEMU reports a disabled output as zeroes";
  EXPECT_TRUE(peer.errors().empty());
}

TEST(DisplayPeer, ComposesUpdatesIntoTheScanoutSurface) {
  DisplayPeer peer;
  FakeBackend be(peer.open());
  const gpu::Scanout s{0, 16, 8};
  be.send(gpu::kScanout, &s, sizeof(s));
  // A 4x2 update at (10,5), and one that sticks out of the surface (clipped as pixman does).
  std::vector<uint8_t> up(sizeof(gpu::UpdateHead) + 4 * 2 * 4);
  const gpu::UpdateHead h{0, 10, 5, 4, 2};
  std::memcpy(up.data(), &h, sizeof(h));
  for (uint32_t i = 0; i < 8; ++i) {
    const uint32_t px = 0x100 + i;
    std::memcpy(up.data() + sizeof(h) + 4 * i, &px, 4);
  }
  be.send(gpu::kUpdate, up.data(), uint32_t(up.size()));
  const gpu::UpdateHead edge{0, 14, 7, 4, 2};
  std::memcpy(up.data(), &edge, sizeof(edge));
  be.send(gpu::kUpdate, up.data(), uint32_t(up.size()));
  serve(peer);
  const Surface* surf = peer.surface(0);
  ASSERT_NE(surf, nullptr);
  EXPECT_EQ(surf->at(10, 5), 0x100u);
  EXPECT_EQ(surf->at(13, 6), 0x107u);
  EXPECT_EQ(surf->at(9, 5), 0u);
  EXPECT_EQ(surf->at(14, 7), 0x100u);
  EXPECT_EQ(surf->at(15, 7), 0x101u);
  EXPECT_EQ(peer.stats().updates, 2u);
  EXPECT_TRUE(peer.errors().empty()) << peer.errors()[0];
}

TEST(DisplayPeer, FlagsBadMessagesFromTheBackend) {
  DisplayPeer peer;
  FakeBackend be(peer.open());
  const gpu::UpdateHead h{0, 0, 0, 4, 4};
  be.send(gpu::kUpdate, &h, sizeof(h));  // no pixels, and no SCANOUT yet
  const gpu::EdidRequest bad{7};
  be.send(gpu::kGetEdid, &bad, sizeof(bad));
  be.send(99, nullptr, 0);
  serve(peer);
  EXPECT_EQ(peer.errors().size(), 4u);  // short update, EDID unnegotiated, EDID scanout 7, unknown 99
  EXPECT_FALSE(be.reply(100)) << "QEMU sends no reply to GET_EDID for a scanout it lacks";
}

TEST(DisplayPeer, RepliesToDmabufUpdateAndTracksTheCursor) {
  DisplayPeer peer;
  FakeBackend be(peer.open());
  gpu::CursorUpdate cu{};
  cu.pos = {0, 30, 40};
  cu.hot_x = 3;
  cu.data[0] = 0xff00ff00;
  be.send(gpu::kCursorUpdate, &cu, sizeof(cu));
  const gpu::CursorPos hide{0, 31, 41};
  be.send(gpu::kCursorPosHide, &hide, sizeof(hide));
  const gpu::UpdateHead u{0, 0, 0, 1, 1};
  be.send(gpu::kDmabufUpdate, &u, sizeof(u));
  serve(peer);
  const CursorState& c = peer.cursor(0);
  EXPECT_TRUE(c.defined);
  EXPECT_FALSE(c.visible);
  EXPECT_EQ(c.x, 31u);
  EXPECT_EQ(c.hot_x, 3u);
  EXPECT_EQ(c.image[0], 0xff00ff00u);
  auto r = be.reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first.request, uint32_t(gpu::kDmabufUpdate));
  EXPECT_EQ(r->first.size, 0u);
}
