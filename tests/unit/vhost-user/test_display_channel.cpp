// The vhost-user-gpu display channel over a real socketpair: exact bytes on the wire, partial
// writes, replies with timeouts, QEMU's unanswered requests, fds, a peer that goes away, and a
// peer that stops reading (the outgoing queue: nothing waits for it, order kept, bounded).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <drm_fourcc.h>
#include "display_peer.hpp"
#include "test_support.hpp"
#include "vhost-user/display_channel.hpp"

namespace vugpu::vhost {
namespace {

using namespace std::chrono_literals;
using test::PeerMessage;
using test::PeerThread;

class DisplayChannelTest : public ::testing::Test {
 protected:
  void open(int timeout_ms = 1000, int sndbuf = 0) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    if (sndbuf > 0) {
      ASSERT_EQ(::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf), 0);
    }
    peer_.reset(sv[1]);
    channel_fd_ = sv[0];
    channel_ = std::make_unique<DisplayChannel>(loop_, UniqueFd(sv[0]), log_, timeout_ms);
  }
  // Does the feature negotiation like QEMU (which offers EDID and DMABUF2).
  void negotiate(uint64_t offered = (1u << gpu::kProtocolEdid) | (1u << gpu::kProtocolDmabuf2)) {
    ASSERT_TRUE(channel_->start());
    auto m = test::peer_read(peer_.get());
    ASSERT_TRUE(m);
    ASSERT_EQ(m->header.request, gpu::kGetProtocolFeatures);
    test::peer_reply_u64(peer_.get(), gpu::kGetProtocolFeatures, offered);
    for (int i = 0; i < 100 && !channel_->negotiated(); ++i) loop_.run_once(10);
    ASSERT_TRUE(channel_->negotiated());
    m = test::peer_read(peer_.get());
    ASSERT_TRUE(m);
    ASSERT_EQ(m->header.request, gpu::kSetProtocolFeatures);
  }
  bool peer_has_data() {
    pollfd p{peer_.get(), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  // A question's answer, filled by its `done` (which the channel posts to the loop).
  struct Answer {
    bool came = false;
    Status status = Status::Unspec;
    std::vector<DisplayMode> modes;
    std::vector<uint8_t> edid;
  };
  std::shared_ptr<Answer> ask_display_info() {
    auto a = std::make_shared<Answer>();
    EXPECT_TRUE(channel_->display_info_async([a](Status s, std::span<const DisplayMode> m) {
      EXPECT_FALSE(a->came) << "done called twice";
      *a = Answer{true, s, std::vector(m.begin(), m.end()), {}};
    }));
    EXPECT_FALSE(a->came) << "done ran inside the call";
    return a;
  }
  std::shared_ptr<Answer> ask_edid(uint32_t scanout) {
    auto a = std::make_shared<Answer>();
    EXPECT_TRUE(channel_->edid_async(scanout, [a](Status s, std::span<const uint8_t> e) {
      EXPECT_FALSE(a->came) << "done called twice";
      *a = Answer{true, s, {}, std::vector(e.begin(), e.end())};
    }));
    EXPECT_FALSE(a->came) << "done ran inside the call";
    return a;
  }
  // Runs the loop until the answer came: the channel always gives one (reply, its time-out
  // timer, or close), so this ends without a deadline of its own.
  Answer wait(const std::shared_ptr<Answer>& a) {
    while (!a->came) loop_.run_once(1000);
    return *a;
  }
  Answer display_info() { return wait(ask_display_info()); }
  Answer edid(uint32_t scanout) { return wait(ask_edid(scanout)); }

  // An UPDATE's completion: whether it came and with what.
  struct Sent {
    bool came = false;
    Status status = Status::Unspec;
  };
  std::shared_ptr<Sent> updated_ = std::make_shared<Sent>();
  // update() with a completion that fills updated_ (posted to the loop, never inside the call).
  Status update(uint32_t scanout, const Rect& r, const uint8_t* rows, uint32_t stride) {
    updated_ = std::make_shared<Sent>();
    auto sent = updated_;
    const Status s = channel_->update(scanout, r, rows, stride, [sent](Status st) {
      EXPECT_FALSE(sent->came) << "done called twice";
      *sent = Sent{true, st};
    });
    EXPECT_FALSE(sent->came) << "done ran inside the call";
    return s;
  }
  // Runs the loop until the last update()'s completion came (the channel always gives one:
  // the VMM has the rows, or the channel closed, at the latest on its time-out).
  Sent wait_updated() {
    while (!updated_->came) loop_.run_once(1000);
    return *updated_;
  }

  EventLoop loop_;
  test::CaptureLog log_;
  UniqueFd peer_;
  std::unique_ptr<DisplayChannel> channel_;
  int channel_fd_ = -1;  // the channel's end of the socket (the channel owns it)
  int channel_fd() const { return channel_fd_; }
};

// A frame buffer with padded rows and a recognisable pattern.
struct Pixels {
  uint32_t width, height, stride;
  std::vector<uint8_t> bytes;
  Pixels(uint32_t w, uint32_t h, uint32_t pad) : width(w), height(h), stride(w * 4 + pad), bytes(size_t{stride} * h) {
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + i / 251);
  }
  const uint8_t* at(uint32_t x, uint32_t y) const { return bytes.data() + size_t{y} * stride + size_t{x} * 4; }
  std::vector<uint8_t> rect(const Rect& r) const {
    std::vector<uint8_t> out;
    for (uint32_t y = 0; y < r.height; ++y) out.insert(out.end(), at(r.x, r.y + y), at(r.x, r.y + y) + r.width * 4);
    return out;
  }
};

TEST_F(DisplayChannelTest, NegotiatesTheFeaturesBothSidesKnow) {
  open();
  ASSERT_TRUE(channel_->start());
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kGetProtocolFeatures);
  EXPECT_EQ(m->header.flags, 0u);
  EXPECT_EQ(m->header.size, 0u);
  EXPECT_FALSE(channel_->negotiated());
  EXPECT_FALSE(channel_->has_edid());
  test::peer_reply_u64(peer_.get(), gpu::kGetProtocolFeatures, (1u << gpu::kProtocolEdid) | (1u << 7));
  for (int i = 0; i < 100 && !channel_->negotiated(); ++i) loop_.run_once(10);
  EXPECT_TRUE(channel_->has_edid());
  EXPECT_FALSE(channel_->has_dmabuf2());
  m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kSetProtocolFeatures);
  EXPECT_EQ(m->as<uint64_t>(), 1u << gpu::kProtocolEdid) << "only what both sides know";
}

TEST_F(DisplayChannelTest, UpdateSendsExactlyTheRectangleRowsFromTheFrame) {
  open();
  const Pixels px(64, 48, 32);
  ASSERT_EQ(channel_->scanout(0, 64, 48), Status::Ok);
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kScanout);
  EXPECT_EQ(m->header.size, sizeof(gpu::Scanout));
  EXPECT_EQ(m->as<gpu::Scanout>().width, 64u);
  EXPECT_EQ(m->as<gpu::Scanout>().height, 48u);

  const Rect r{3, 5, 10, 4};
  const uint64_t before = channel_->bytes_sent();
  ASSERT_EQ(update(0, r, px.at(3, 5), px.stride), Status::Ok);
  EXPECT_EQ(wait_updated().status, Status::Ok) << "a small UPDATE completes once it is in the socket";
  m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kUpdate);
  EXPECT_EQ(m->header.flags, 0u);
  ASSERT_EQ(m->header.size, sizeof(gpu::Update) + 10 * 4 * 4);
  const auto u = m->as<gpu::Update>();
  EXPECT_EQ(u.scanout_id, 0u);
  EXPECT_EQ(u.x, 3u);
  EXPECT_EQ(u.y, 5u);
  EXPECT_EQ(u.width, 10u);
  EXPECT_EQ(u.height, 4u);
  EXPECT_EQ(std::vector<uint8_t>(m->payload.begin() + sizeof(gpu::Update), m->payload.end()), px.rect(r));
  EXPECT_EQ(channel_->bytes_sent() - before, sizeof(gpu::Header) + m->header.size);

  // Whole-width rows are contiguous: same bytes through the one-piece path.
  const Pixels tight(16, 8, 0);
  ASSERT_EQ(channel_->scanout(1, 16, 8), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));
  const Rect all{0, 2, 16, 5};
  ASSERT_EQ(update(1, all, tight.at(0, 2), tight.stride), Status::Ok);
  m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(std::vector<uint8_t>(m->payload.begin() + sizeof(gpu::Update), m->payload.end()), tight.rect(all));
}

TEST_F(DisplayChannelTest, UpdateIsCheckedBeforeAnythingIsSent) {
  open();
  const Pixels px(32, 32, 0);
  EXPECT_EQ(update(0, {0, 0, 8, 8}, px.at(0, 0), px.stride), Status::InvalidScanoutId)
      << "no SCANOUT on this channel: QEMU would draw into a surface it does not have";
  ASSERT_EQ(channel_->scanout(0, 32, 32), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));
  EXPECT_EQ(update(0, {30, 0, 8, 8}, px.at(0, 0), px.stride), Status::InvalidParameter);
  EXPECT_EQ(update(0, {0, 0, 8, 8}, px.at(0, 0), 16), Status::InvalidParameter) << "stride < row";
  EXPECT_EQ(update(16, {0, 0, 8, 8}, px.at(0, 0), px.stride), Status::InvalidScanoutId);
  loop_.run_once(0);
  EXPECT_FALSE(updated_->came) << "done of an UPDATE that was refused";
  EXPECT_EQ(update(0, {0, 0, 0, 8}, px.at(0, 0), px.stride), Status::Ok) << "empty: nothing to do";
  EXPECT_EQ(wait_updated().status, Status::Ok) << "Ok promises the completion, even with nothing to send";
  EXPECT_FALSE(peer_has_data());
  // Disabling the scanout makes updates invalid again.
  ASSERT_EQ(channel_->scanout(0, 0, 0), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));
  EXPECT_EQ(update(0, {0, 0, 8, 8}, px.at(0, 0), px.stride), Status::InvalidScanoutId);
}

TEST_F(DisplayChannelTest, PartialWritesAreContinuedUntilTheWholeMessageIsOut) {
  const int small = 4096;
  open(2000, small);
  // Tiny socket buffers: a 1 MiB update goes out in hundreds of pieces.
  ASSERT_EQ(::setsockopt(peer_.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  const Pixels px(512, 512, 64);
  ASSERT_EQ(channel_->scanout(0, 512, 512), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));

  std::vector<uint8_t> received;
  std::thread reader([&] {
    const size_t want = sizeof(gpu::Header) + sizeof(gpu::Update) + 512 * 512 * 4;
    std::vector<uint8_t> chunk(1000);
    int reads = 0;
    while (received.size() < want) {
      pollfd p{peer_.get(), POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) break;
      const ssize_t n = ::recv(peer_.get(), chunk.data(), std::min(chunk.size(), want - received.size()), 0);
      if (n <= 0) break;
      received.insert(received.end(), chunk.begin(), chunk.begin() + n);
      if (++reads % 64 == 0) std::this_thread::sleep_for(1ms);  // a slow reader
    }
  });
  const Rect r{0, 0, 512, 512};
  EXPECT_EQ(update(0, r, px.at(0, 0), px.stride), Status::Ok);
  EXPECT_EQ(wait_updated().status, Status::Ok);  // the loop writes the rest as the socket takes it
  reader.join();
  ASSERT_EQ(received.size(), sizeof(gpu::Header) + sizeof(gpu::Update) + 512 * 512 * 4);
  gpu::Header h;
  std::memcpy(&h, received.data(), sizeof h);
  EXPECT_EQ(h.request, gpu::kUpdate);
  EXPECT_EQ(h.size, sizeof(gpu::Update) + 512 * 512 * 4);
  EXPECT_TRUE(std::equal(received.begin() + sizeof h + sizeof(gpu::Update), received.end(), px.rect(r).begin()));
  EXPECT_TRUE(channel_->is_open());
}

TEST_F(DisplayChannelTest, SilentPeerCostsOneTimeoutAndItsLateReplyIsDropped) {
  open(150);
  const Answer timed_out = display_info();
  EXPECT_EQ(timed_out.status, Status::Unspec);
  EXPECT_TRUE(log_.contains("no reply from the VMM to GET_DISPLAY_INFO within 150 ms"));
  EXPECT_TRUE(channel_->is_open()) << "a slow VMM is not a broken stream";
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  ASSERT_EQ(m->header.request, gpu::kGetDisplayInfo);
  test::peer_reply_display_info(peer_.get(), {{800, 600}});  // the late answer

  PeerThread vmm(peer_.get(), [](int fd, const PeerMessage& msg) {
    if (msg.header.request == gpu::kGetDisplayInfo) test::peer_reply_display_info(fd, {{1024, 768}, {640, 480}});
  });
  const Answer a = display_info();
  ASSERT_EQ(a.status, Status::Ok);
  ASSERT_EQ(a.modes.size(), 16u);
  EXPECT_EQ(a.modes[0].width, 1024u) << "the late 800x600 reply was taken for the new request";
  EXPECT_EQ(a.modes[0].height, 768u);
  EXPECT_TRUE(a.modes[0].enabled);
  EXPECT_EQ(a.modes[1].width, 640u);
  EXPECT_FALSE(a.modes[2].enabled);
}

// The point of asking asynchronously: while the VMM has not answered, the caller (the device
// loop) goes on sending, and the answer is delivered whenever the VMM gives it.
TEST_F(DisplayChannelTest, AQuestionWaitsWithoutHoldingTheCaller) {
  open(60000);  // the time-out plays no part
  negotiate();
  auto a = ask_display_info();
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kGetDisplayInfo);
  // Meanwhile the device keeps drawing: the cursor goes out while the question is open.
  ASSERT_EQ(channel_->cursor_pos(0, 7, 9, true), Status::Ok);
  m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kCursorPos);
  loop_.run_once(0);
  EXPECT_FALSE(a->came) << "answered before the VMM did";
  test::peer_reply_display_info(peer_.get(), {{1920, 1200}});
  const Answer got = wait(a);
  ASSERT_EQ(got.status, Status::Ok);
  EXPECT_EQ(got.modes.at(0).width, 1920u);
  EXPECT_EQ(got.modes.at(0).height, 1200u);
}

// The bytes a peer_reply_*() writes, to send them in pieces.
std::vector<uint8_t> reply_bytes(const std::function<void(int)>& write_reply) {
  int sv[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  write_reply(sv[0]);
  ::close(sv[0]);
  std::vector<uint8_t> out;
  uint8_t buf[4096];
  for (ssize_t n; (n = ::read(sv[1], buf, sizeof buf)) > 0;) out.insert(out.end(), buf, buf + n);
  ::close(sv[1]);
  return out;
}

void write_bytes(int fd, const uint8_t* p, size_t n) { ASSERT_EQ(::write(fd, p, n), static_cast<ssize_t>(n)); }

// A VMM whose reply arrives in pieces (or stops half-way) holds nothing: the loop turns at once,
// the device goes on sending, and the reply is taken when its last byte came.
TEST_F(DisplayChannelTest, AReplyInPiecesNeverHoldsTheLoop) {
  open(60000);  // the old blocking read would have waited up to this long for the rest
  negotiate();
  auto a = ask_display_info();
  ASSERT_TRUE(test::peer_read(peer_.get()));
  const auto reply = reply_bytes([](int fd) { test::peer_reply_display_info(fd, {{1920, 1200}, {800, 600}}); });
  const size_t cut = sizeof(gpu::Header) + 100;
  write_bytes(peer_.get(), reply.data(), 5);  // part of the header
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) loop_.run_once(0);
  write_bytes(peer_.get(), reply.data() + 5, cut - 5);  // the header and part of the payload
  for (int i = 0; i < 5; ++i) loop_.run_once(0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms) << "the loop waited for the rest of the reply";
  EXPECT_FALSE(a->came);
  ASSERT_EQ(channel_->cursor_pos(0, 7, 9, true), Status::Ok);  // the device goes on meanwhile
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kCursorPos);
  write_bytes(peer_.get(), reply.data() + cut, reply.size() - cut);
  const Answer got = wait(a);
  ASSERT_EQ(got.status, Status::Ok);
  EXPECT_EQ(got.modes.at(0).width, 1920u);
  EXPECT_EQ(got.modes.at(1).height, 600u);
  EXPECT_TRUE(channel_->is_open());
}

// The rest of a reply that never comes: the channel closes timeout_ms after its first bytes
// (here the reply of a question that already timed out, so no question's deadline is left).
TEST_F(DisplayChannelTest, AReplyCutShortForTheTimeOutClosesTheChannel) {
  open(150);
  negotiate();
  EXPECT_EQ(display_info().status, Status::Unspec);
  ASSERT_TRUE(channel_->is_open());
  ASSERT_TRUE(test::peer_read(peer_.get()));
  const auto reply = reply_bytes([](int fd) { test::peer_reply_display_info(fd, {{1920, 1200}}); });
  write_bytes(peer_.get(), reply.data(), sizeof(gpu::Header));
  for (int i = 0; i < 20 && channel_->is_open(); ++i) loop_.run_once(100);
  EXPECT_FALSE(channel_->is_open());
  EXPECT_TRUE(log_.contains("a reply cut short: 12 bytes came, the rest not within 150 ms"));
}

TEST_F(DisplayChannelTest, QuestionsOpenWhenTheChannelEndsAreAnsweredWithAnError) {
  open(60000);
  negotiate();
  auto first = ask_display_info();
  auto second = ask_edid(0);  // waits for the display info first
  peer_.reset();              // the VMM goes away
  EXPECT_EQ(wait(first).status, Status::Unspec);
  EXPECT_EQ(wait(second).status, Status::Unspec);
  EXPECT_FALSE(channel_->is_open());
  EXPECT_FALSE(log_.contains("no reply from the VMM")) << "the hang-up is not a time-out";

  // Destroyed with a question open (a new VMM socket replaced it): answered too, later.
  open(60000);
  negotiate();
  auto third = ask_display_info();
  channel_.reset();
  EXPECT_FALSE(third->came) << "never inside the destructor";
  EXPECT_EQ(wait(third).status, Status::Unspec);
}

TEST_F(DisplayChannelTest, EdidIsAskedOnlyForScanoutsTheVmmReported) {
  open();
  negotiate();
  PeerThread vmm(peer_.get(), [](int fd, const PeerMessage& msg) {
    if (msg.header.request == gpu::kGetDisplayInfo) test::peer_reply_display_info(fd, {{1280, 800}});
    if (msg.header.request == gpu::kGetEdid) {
      virtio_gpu_resp_edid e{};
      e.hdr.type = VIRTIO_GPU_RESP_OK_EDID;
      e.size = 128;
      for (int i = 0; i < 128; ++i) e.edid[i] = static_cast<uint8_t>(i ^ 0x5a);
      test::peer_reply(fd, gpu::kGetEdid, std::span(reinterpret_cast<const uint8_t*>(&e), sizeof e));
    }
  });
  EXPECT_EQ(edid(1).status, Status::InvalidScanoutId);
  const Answer a = edid(0);
  ASSERT_EQ(a.status, Status::Ok);
  ASSERT_EQ(a.edid.size(), 128u);
  EXPECT_EQ(a.edid[5], 5 ^ 0x5a);
  const auto seen = vmm.requests();
  EXPECT_EQ(std::count(seen.begin(), seen.end(), gpu::kGetEdid), 1) << "never asked for scanout 1";
  EXPECT_EQ(seen.front(), gpu::kGetDisplayInfo) << "display info first, to know the scanouts";
}

TEST_F(DisplayChannelTest, EdidWithoutTheFeatureIsNotSupported) {
  open();
  negotiate(1u << gpu::kProtocolDmabuf2);
  EXPECT_EQ(edid(0).status, Status::NotSupported);
  EXPECT_FALSE(peer_has_data());
}

TEST_F(DisplayChannelTest, UnansweredFeatureRequestCostsOneTimeoutOnly) {
  open(100);
  ASSERT_TRUE(channel_->start());
  EXPECT_EQ(edid(0).status, Status::NotSupported) << "no features: no EDID";
  EXPECT_TRUE(log_.contains("no answer to GET_PROTOCOL_FEATURES"));
  EXPECT_EQ(edid(0).status, Status::NotSupported);
  // No second wait: the unanswered GET_PROTOCOL_FEATURES is the only question on the wire (a
  // second one would be a second timeout), not a clock reading.
  const auto question = test::peer_read(peer_.get());
  ASSERT_TRUE(question);
  EXPECT_EQ(question->header.request, gpu::kGetProtocolFeatures);
  EXPECT_FALSE(peer_has_data()) << "the channel asked again and waited a second time";
  // The VMM answers late after all: the features are taken then.
  test::peer_reply_u64(peer_.get(), gpu::kGetProtocolFeatures, 1u << gpu::kProtocolEdid);
  for (int i = 0; i < 50 && !channel_->has_edid(); ++i) loop_.run_once(10);
  EXPECT_TRUE(channel_->has_edid());
}

TEST_F(DisplayChannelTest, AnEdidQuestionWaitsForTheFeaturesWithoutBlocking) {
  open(60000);
  ASSERT_TRUE(channel_->start());
  auto a = ask_edid(0);
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  ASSERT_EQ(m->header.request, gpu::kGetProtocolFeatures);
  EXPECT_FALSE(peer_has_data()) << "GET_EDID before the features said the VMM has EDIDs";
  PeerThread vmm(peer_.get(), [](int fd, const PeerMessage& msg) {
    if (msg.header.request == gpu::kGetDisplayInfo) test::peer_reply_display_info(fd, {{1280, 800}});
    if (msg.header.request == gpu::kGetEdid) {
      virtio_gpu_resp_edid e{};
      e.hdr.type = VIRTIO_GPU_RESP_OK_EDID;
      e.size = 256;
      test::peer_reply(fd, gpu::kGetEdid, std::span(reinterpret_cast<const uint8_t*>(&e), sizeof e));
    }
  });
  test::peer_reply_u64(peer_.get(), gpu::kGetProtocolFeatures, 1u << gpu::kProtocolEdid);
  const Answer got = wait(a);
  ASSERT_EQ(got.status, Status::Ok);
  EXPECT_EQ(got.edid.size(), 256u);
  const std::vector<uint32_t> want = {gpu::kSetProtocolFeatures, gpu::kGetDisplayInfo, gpu::kGetEdid};
  EXPECT_EQ(vmm.requests(), want);
}

TEST_F(DisplayChannelTest, AnUnansweredRequestIsSkippedWhenALaterReplyComes) {
  open(60000);  // no time-out: the later reply alone settles the skipped question
  negotiate();
  // The VMM reported scanout 0, then ignores GET_EDID (as QEMU does for a scanout it lacks).
  {
    PeerThread vmm(peer_.get(), [](int fd, const PeerMessage& msg) {
      if (msg.header.request == gpu::kGetDisplayInfo) test::peer_reply_display_info(fd, {{800, 600}});
    });
    EXPECT_EQ(display_info().status, Status::Ok);
    auto unanswered = ask_edid(0);
    for (int i = 0; i < 100 && vmm.requests().size() < 2; ++i) loop_.run_once(10);
    ASSERT_EQ(vmm.requests().size(), 2u) << "GET_EDID never sent";
    const Answer a = display_info();
    EXPECT_EQ(a.status, Status::Ok) << "the pending GET_EDID must not block this reply";
    EXPECT_EQ(a.modes.at(0).width, 800u);
    EXPECT_EQ(wait(unanswered).status, Status::Unspec) << "the skipped question is answered";
  }
  EXPECT_TRUE(channel_->is_open());
  EXPECT_TRUE(log_.contains("did not answer GET_EDID"));
}

TEST_F(DisplayChannelTest, UnsolicitedMessageOrPeerCloseClosesTheChannel) {
  open();
  test::peer_reply_u64(peer_.get(), gpu::kGetDisplayInfo, 0);  // a reply nobody asked for
  for (int i = 0; i < 50 && channel_->is_open(); ++i) loop_.run_once(10);
  EXPECT_FALSE(channel_->is_open());
  EXPECT_TRUE(log_.contains("reply GET_DISPLAY_INFO to no request"));
  EXPECT_EQ(channel_->scanout(0, 10, 10), Status::Unspec);

  open();
  peer_.reset();
  for (int i = 0; i < 50 && channel_->is_open(); ++i) loop_.run_once(10);
  EXPECT_FALSE(channel_->is_open());
  EXPECT_FALSE(channel_->display_info_async([](Status, std::span<const DisplayMode>) { ADD_FAILURE(); }))
      << "a closed channel does not take questions";
}

TEST_F(DisplayChannelTest, CursorMessagesCarryTheImageAsIs) {
  open();
  std::vector<uint32_t> argb(64 * 64);
  for (uint32_t i = 0; i < argb.size(); ++i) argb[i] = 0xff000000u | i;
  ASSERT_EQ(channel_->cursor_update(1, 10, 20, CursorImage{3, 4, argb.data()}), Status::Ok);
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kCursorUpdate);
  ASSERT_EQ(m->header.size, sizeof(gpu::CursorUpdate));
  const auto* cu = reinterpret_cast<const gpu::CursorUpdate*>(m->payload.data());
  EXPECT_EQ(cu->pos.scanout_id, 1u);
  EXPECT_EQ(cu->pos.x, 10u);
  EXPECT_EQ(cu->pos.y, 20u);
  EXPECT_EQ(cu->hot_x, 3u);
  EXPECT_EQ(cu->hot_y, 4u);
  EXPECT_EQ(std::memcmp(cu->data, argb.data(), 64 * 64 * 4), 0);

  ASSERT_EQ(channel_->cursor_pos(1, 5, 6, true), Status::Ok);
  m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kCursorPos);
  EXPECT_EQ(m->as<gpu::CursorPos>().x, 5u);
  ASSERT_EQ(channel_->cursor_pos(1, 5, 6, false), Status::Ok);
  m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kCursorPosHide);
  EXPECT_EQ(channel_->cursor_update(1, 0, 0, CursorImage{}), Status::InvalidParameter);
}

TEST_F(DisplayChannelTest, DmabufScanoutPassesTheFdAndUpdateCompletesOnTheReply) {
  open(150);
  negotiate();
  UniqueFd buf(::memfd_create("fake-dmabuf", MFD_CLOEXEC));
  Frame f;
  f.width = 1920;
  f.height = 1080;
  f.stride = 1920 * 4;
  f.fourcc = DRM_FORMAT_XRGB8888;
  f.modifier = DRM_FORMAT_MOD_LINEAR;
  f.dmabuf_fd = buf.get();
  f.view = {0, 0, 1280, 720};
  f.y0_top = false;
  ASSERT_EQ(channel_->dmabuf_scanout(2, f), Status::Ok);
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kDmabufScanout2);
  ASSERT_EQ(m->fds.size(), 1u);
  struct stat a {}, b {};
  ASSERT_EQ(::fstat(buf.get(), &a), 0);
  ASSERT_EQ(::fstat(m->fds[0].get(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "the VMM got the frame's buffer";
  const auto d = m->as<gpu::DmabufScanout2>();
  EXPECT_EQ(d.base.scanout_id, 2u);
  EXPECT_EQ(d.base.width, 1280u);
  EXPECT_EQ(d.base.fd_width, 1920u);
  EXPECT_EQ(d.base.fd_stride, 1920u * 4);
  EXPECT_EQ(d.base.fd_flags, 0u) << "bottom-up";
  EXPECT_EQ(static_cast<uint32_t>(d.base.fd_drm_fourcc), DRM_FORMAT_XRGB8888);
  EXPECT_EQ(d.modifier, DRM_FORMAT_MOD_LINEAR);

  EXPECT_EQ(update(2, {0, 0, 1, 1}, nullptr, 4), Status::InvalidScanoutId) << "dmabuf scanout";
  auto never = [](Status) { ADD_FAILURE() << "done of a DMABUF_UPDATE that was not sent"; };
  EXPECT_EQ(channel_->dmabuf_update(2, {0, 0, 1281, 1}, never), Status::InvalidParameter);
  EXPECT_EQ(channel_->dmabuf_update(3, {0, 0, 1, 1}, never), Status::InvalidScanoutId) << "no dmabuf scanout";
  // The VMM's answer is waited for without holding the caller; none comes: the time-out.
  std::optional<Status> first;
  ASSERT_EQ(channel_->dmabuf_update(2, {0, 0, 64, 64}, [&](Status s) { first = s; }), Status::Ok);
  EXPECT_FALSE(first) << "done ran inside the call";
  m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kDmabufUpdate);
  EXPECT_EQ(m->as<gpu::Update>().width, 64u);
  while (!first) loop_.run_once(1000);
  EXPECT_EQ(*first, Status::Unspec) << "no reply: time-out";
  {
    PeerThread vmm(peer_.get(), [](int fd, const PeerMessage& msg) {
      if (msg.header.request == gpu::kDmabufUpdate) test::peer_reply(fd, gpu::kDmabufUpdate, {});
    });
    test::peer_reply(peer_.get(), gpu::kDmabufUpdate, {});  // the late reply to the first one
    std::optional<Status> second;
    ASSERT_EQ(channel_->dmabuf_update(2, {0, 0, 64, 64}, [&](Status s) { second = s; }), Status::Ok);
    while (!second) loop_.run_once(1000);
    EXPECT_EQ(*second, Status::Ok);
  }
  // Switching the dmabuf scanout off sends DMABUF_SCANOUT without an fd.
  ASSERT_EQ(channel_->scanout(2, 0, 0), Status::Ok);
  m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kDmabufScanout);
  EXPECT_TRUE(m->fds.empty());
}

TEST_F(DisplayChannelTest, ModifierNeedsDmabuf2) {
  open();
  negotiate(1u << gpu::kProtocolEdid);
  UniqueFd buf(::memfd_create("fake-dmabuf", MFD_CLOEXEC));
  Frame f;
  f.width = f.height = 64;
  f.stride = 256;
  f.fourcc = DRM_FORMAT_XRGB8888;
  f.modifier = I915_FORMAT_MOD_X_TILED;
  f.dmabuf_fd = buf.get();
  f.view = {0, 0, 64, 64};
  EXPECT_EQ(channel_->dmabuf_scanout(0, f), Status::NotSupported);
  f.modifier = DRM_FORMAT_MOD_LINEAR;
  ASSERT_EQ(channel_->dmabuf_scanout(0, f), Status::Ok);
  auto m = test::peer_read(peer_.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.request, gpu::kDmabufScanout);
  EXPECT_EQ(m->header.size, sizeof(gpu::DmabufScanout));
  EXPECT_EQ(m->fds.size(), 1u);
}

// A large UPDATE leaves by reference (spliced_send.hpp): the VMM reads the caller's own pages.
// Its completion may run only once the VMM has read every byte, or the caller's next write (the
// next transfer into the image) would show in a frame already sent: a torn frame.
TEST_F(DisplayChannelTest, ALargeUpdateCompletesOnlyOnceTheVmmHasReadEveryByte) {
  open(5000);
  Pixels px(1024, 768, 0);  // 3 MiB: spliced
  const std::vector<uint8_t> sent_pixels = px.bytes;
  ASSERT_EQ(channel_->scanout(0, 1024, 768), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));

  std::vector<uint8_t> received;
  const size_t want = sizeof(gpu::Header) + sizeof(gpu::Update) + px.bytes.size();
  std::thread reader([&] {  // a slow reader: small reads
    std::vector<uint8_t> chunk(1000);
    while (received.size() < want) {
      pollfd p{peer_.get(), POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) break;
      const ssize_t n = ::recv(peer_.get(), chunk.data(), std::min(chunk.size(), want - received.size()), 0);
      if (n <= 0) break;
      received.insert(received.end(), chunk.begin(), chunk.begin() + n);
    }
  });
  ASSERT_EQ(update(0, {0, 0, 1024, 768}, px.at(0, 0), px.stride), Status::Ok);
  const Sent s = wait_updated();
  int queued = -1;
  ASSERT_EQ(::ioctl(channel_fd(), SIOCOUTQ, &queued), 0);
  std::fill(px.bytes.begin(), px.bytes.end(), uint8_t{0});  // the next "transfer"
  reader.join();
  EXPECT_EQ(s.status, Status::Ok);
  EXPECT_EQ(queued, 0) << "the completion ran with bytes of the frame still unread in the socket";
  ASSERT_EQ(received.size(), want);
  EXPECT_TRUE(std::equal(received.begin() + sizeof(gpu::Header) + sizeof(gpu::Update), received.end(),
                         sent_pixels.begin()))
      << "the VMM read pixels written after the completion";
  EXPECT_TRUE(channel_->is_open());
}

// The point of the outgoing queue: a VMM that stops reading its display socket in the middle
// of a large UPDATE holds nothing but that UPDATE. update() returns at once, the caller's loop
// goes on (cursor, questions, timers), and the UPDATE's completion comes only once the VMM has
// read it all (the socket empty: the pages are the caller's frame).
TEST_F(DisplayChannelTest, AVmmThatStopsReadingDoesNotHoldTheCaller) {
  open(60000);  // the time-out plays no part: the old blocking send would have sat it out
  negotiate();
  Pixels px(1920, 1080, 0);  // 8 MiB: far more than the socket holds; spliced
  const std::vector<uint8_t> sent_pixels = px.bytes;
  ASSERT_EQ(channel_->scanout(0, 1920, 1080), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));

  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(update(0, {0, 0, 1920, 1080}, px.at(0, 0), px.stride), Status::Ok);
  const double took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("update() of 8 MiB into a socket nobody reads returned in %.3f ms\n", took_ms);
  // Other work while the VMM reads nothing.
  ASSERT_EQ(channel_->cursor_pos(0, 5, 6, true), Status::Ok);
  auto question = ask_display_info();
  for (int i = 0; i < 20; ++i) loop_.run_once(5);
  EXPECT_FALSE(updated_->came) << "completed while the VMM had read nothing";
  EXPECT_FALSE(question->came);
  EXPECT_TRUE(channel_->is_open());
  EXPECT_EQ(channel_->queued(), 3u) << "UPDATE, CURSOR_POS and GET_DISPLAY_INFO wait for the socket";

  // The VMM reads all of the UPDATE but its last 64 KiB: every byte of it is then in the
  // socket, and still no completion, since the frame's pages went by reference.
  const size_t update_bytes = sizeof(gpu::Header) + sizeof(gpu::Update) + px.bytes.size();
  constexpr size_t kLeft = 65536;
  std::vector<uint8_t> received;
  std::vector<uint8_t> chunk(1 << 16);
  while (received.size() < update_bytes - kLeft) {
    loop_.run_once(0);
    const ssize_t n = ::recv(peer_.get(), chunk.data(), std::min(chunk.size(), update_bytes - kLeft - received.size()),
                             MSG_DONTWAIT);
    if (n > 0) received.insert(received.end(), chunk.begin(), chunk.begin() + n);
    ASSERT_NE(n, 0) << "the channel closed";
  }
  for (int waiting = 0; waiting < static_cast<int>(kLeft);) {  // the channel wrote the UPDATE's end
    loop_.run_once(1);
    ASSERT_EQ(::ioctl(peer_.get(), FIONREAD, &waiting), 0);
  }
  for (int i = 0; i < 20; ++i) loop_.run_once(1);
  EXPECT_FALSE(updated_->came) << "completed with the frame's last 64 KiB unread";

  // The VMM reads the rest (and answers its question).
  while (received.size() < update_bytes) {
    const ssize_t n = ::recv(peer_.get(), chunk.data(), std::min(chunk.size(), update_bytes - received.size()), 0);
    ASSERT_GT(n, 0);
    received.insert(received.end(), chunk.begin(), chunk.begin() + n);
  }
  const Sent s = wait_updated();
  EXPECT_EQ(s.status, Status::Ok);
  EXPECT_TRUE(std::equal(received.begin() + sizeof(gpu::Header) + sizeof(gpu::Update), received.end(),
                         sent_pixels.begin()));
  std::vector<uint32_t> order{gpu::kUpdate};
  for (int i = 0; i < 2; ++i) {
    loop_.run_once(0);
    auto m = test::peer_read(peer_.get(), 5000);
    ASSERT_TRUE(m);
    order.push_back(m->header.request);
    if (m->header.request == gpu::kGetDisplayInfo) test::peer_reply_display_info(peer_.get(), {{1920, 1080}});
  }
  const Answer a = wait(question);
  EXPECT_EQ(order, (std::vector<uint32_t>{gpu::kUpdate, gpu::kCursorPos, gpu::kGetDisplayInfo}));
  EXPECT_EQ(a.status, Status::Ok);
  EXPECT_EQ(channel_->queued(), 0u);
}

// Messages leave in the order they were given, each whole with its own fds, also when they
// wait behind an UPDATE the VMM reads slowly; cursor messages made pointless by newer ones
// for the same scanout are dropped while they wait (the queue's bound for a guest that moves
// its cursor without end).
TEST_F(DisplayChannelTest, OrderAndFdsAreKeptBehindAWaitingUpdateAndCursorMessagesCoalesce) {
  open(60000);
  negotiate();
  Pixels px(1024, 768, 0);  // 3 MiB: waits for the VMM
  ASSERT_EQ(channel_->scanout(0, 1024, 768), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));
  ASSERT_EQ(update(0, {0, 0, 1024, 768}, px.at(0, 0), px.stride), Status::Ok);

  std::vector<uint32_t> first(64 * 64, 0xff111111u), second(64 * 64, 0xff222222u);
  ASSERT_EQ(channel_->cursor_update(0, 1, 2, CursorImage{0, 0, first.data()}), Status::Ok);
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(channel_->cursor_pos(0, 10 + i, 10, true), Status::Ok);
  EXPECT_EQ(channel_->queued(), 3u) << "UPDATE, CURSOR_UPDATE and the last CURSOR_POS";
  UniqueFd buf(::memfd_create("fake-dmabuf", MFD_CLOEXEC));
  struct stat made {};
  ASSERT_EQ(::fstat(buf.get(), &made), 0);
  Frame f;
  f.width = 64;
  f.height = 64;
  f.stride = 256;
  f.fourcc = DRM_FORMAT_XRGB8888;
  f.modifier = DRM_FORMAT_MOD_LINEAR;
  f.dmabuf_fd = buf.get();
  f.view = {0, 0, 64, 64};
  ASSERT_EQ(channel_->dmabuf_scanout(1, f), Status::Ok);
  buf.reset();  // the caller's fd may go at once: the message carries its own
  ASSERT_EQ(channel_->cursor_pos(1, 3, 4, true), Status::Ok);
  ASSERT_EQ(channel_->cursor_update(0, 20, 21, CursorImage{5, 6, second.data()}), Status::Ok);
  std::fill(second.begin(), second.end(), 0u);  // the caller's image may change at once: copied
  ASSERT_EQ(channel_->cursor_pos(0, 30, 31, true), Status::Ok);
  EXPECT_EQ(channel_->queued(), 5u) << "UPDATE, DMABUF_SCANOUT2, CURSOR_POS 1, CURSOR_UPDATE 0, CURSOR_POS 0";

  std::vector<PeerMessage> got;
  std::atomic<bool> reader_done{false};
  std::thread vmm([&] {
    while (got.size() < 5) {
      auto m = test::peer_read(peer_.get(), 5000);
      if (!m) break;
      got.push_back(std::move(*m));
    }
    reader_done = true;
  });
  EXPECT_EQ(wait_updated().status, Status::Ok);
  while (!reader_done) loop_.run_once(10);
  vmm.join();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_FALSE(peer_has_data()) << "more than the five messages";
  EXPECT_EQ(got[0].header.request, gpu::kUpdate);
  EXPECT_EQ(got[0].header.size, sizeof(gpu::Update) + px.bytes.size());
  EXPECT_TRUE(got[0].fds.empty());
  ASSERT_EQ(got[1].header.request, gpu::kDmabufScanout2);
  ASSERT_EQ(got[1].fds.size(), 1u) << "the fd rides with its own message";
  struct stat arrived {};
  ASSERT_EQ(::fstat(got[1].fds[0].get(), &arrived), 0);
  EXPECT_EQ(arrived.st_ino, made.st_ino) << "the VMM got the frame's buffer";
  EXPECT_EQ(got[1].as<gpu::DmabufScanout2>().base.scanout_id, 1u);
  ASSERT_EQ(got[2].header.request, gpu::kCursorPos);
  EXPECT_EQ(got[2].as<gpu::CursorPos>().scanout_id, 1u);
  EXPECT_EQ(got[2].as<gpu::CursorPos>().x, 3u);
  ASSERT_EQ(got[3].header.request, gpu::kCursorUpdate);
  const auto* cu = reinterpret_cast<const gpu::CursorUpdate*>(got[3].payload.data());
  EXPECT_EQ(cu->pos.x, 20u);
  EXPECT_EQ(cu->hot_x, 5u);
  EXPECT_EQ(cu->data[0], 0xff222222u) << "the image as it was when given";
  ASSERT_EQ(got[4].header.request, gpu::kCursorPos);
  EXPECT_EQ(got[4].as<gpu::CursorPos>().scanout_id, 0u);
  EXPECT_EQ(got[4].as<gpu::CursorPos>().x, 30u);
  for (size_t i = 2; i < got.size(); ++i) EXPECT_TRUE(got[i].fds.empty()) << "message " << i;
}

// A VMM that reads nothing for the time-out loses its display channel, with one line saying
// why; everything that waited is completed with an error (presenters release their frames),
// and the caller is never held meanwhile.
TEST_F(DisplayChannelTest, AVmmThatReadsNothingForTheTimeOutLosesTheChannelAndWhatWaitsFails) {
  open(200);
  negotiate();
  const Pixels px(512, 512, 0);  // 1 MiB
  ASSERT_EQ(channel_->scanout(0, 512, 512), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(update(0, {0, 0, 512, 512}, px.at(0, 0), px.stride), Status::Ok);
  const auto big = updated_;
  ASSERT_EQ(channel_->cursor_pos(0, 1, 1, true), Status::Ok);
  ASSERT_EQ(update(0, {0, 0, 8, 8}, px.at(0, 0), px.stride), Status::Ok) << "a small one behind it";
  const auto small = updated_;
  auto question = ask_display_info();
  while (!big->came || !small->came) loop_.run_once(1000);
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(big->status, Status::Unspec);
  EXPECT_EQ(small->status, Status::Unspec);
  EXPECT_EQ(wait(question).status, Status::Unspec);
  EXPECT_GE(waited, 200ms) << "closed before the VMM had its time-out";
  EXPECT_FALSE(channel_->is_open());
  EXPECT_EQ(channel_->queued(), 0u);
  EXPECT_TRUE(log_.contains("display channel closed: the VMM did not read its display socket for 200 ms"));
  EXPECT_EQ(channel_->cursor_pos(0, 2, 2, true), Status::Unspec) << "closed for good";
}

// The same when the VMM read the whole spliced UPDATE but one page: its wait for the last byte
// is bounded by the time-out too.
TEST_F(DisplayChannelTest, AVmmThatStopsJustBeforeTheEndOfAnUpdateLosesTheChannel) {
  open(300);
  const Pixels px(512, 512, 0);
  ASSERT_EQ(channel_->scanout(0, 512, 512), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));
  ASSERT_EQ(update(0, {0, 0, 512, 512}, px.at(0, 0), px.stride), Status::Ok);
  const size_t all = sizeof(gpu::Header) + sizeof(gpu::Update) + 512 * 512 * 4;
  size_t got = 0;
  std::vector<uint8_t> chunk(65536);
  while (got + 4096 < all) {  // read all but the last page, with the loop writing the rest
    loop_.run_once(0);
    const ssize_t n = ::recv(peer_.get(), chunk.data(), std::min(chunk.size(), all - 4096 - got), MSG_DONTWAIT);
    if (n > 0) got += static_cast<size_t>(n);
    if (n == 0) break;
  }
  ASSERT_EQ(got, all - 4096);
  EXPECT_EQ(wait_updated().status, Status::Unspec);
  EXPECT_FALSE(channel_->is_open());
  EXPECT_TRUE(log_.contains("did not read its display socket for 300 ms"));
}

// Bounded memory: what a guest can make the channel queue while the VMM reads nothing is
// capped; past the cap the channel closes with a line (only a VMM that stopped reading gets
// there: its time-out would close it anyway).
TEST_F(DisplayChannelTest, AGuestCannotPileUpMessagesBehindAVmmThatDoesNotRead) {
  open(60000);
  Pixels px(1024, 768, 0);
  ASSERT_EQ(channel_->scanout(0, 1024, 768), Status::Ok);
  ASSERT_TRUE(test::peer_read(peer_.get()));
  ASSERT_EQ(update(0, {0, 0, 1024, 768}, px.at(0, 0), px.stride), Status::Ok);
  std::vector<uint32_t> argb(64 * 64, 0xff000000u);
  for (uint32_t i = 0; i < 10000; ++i) {  // a cursor that never stops: coalesced, never capped
    ASSERT_EQ(channel_->cursor_update(i % 2, i, i, CursorImage{0, 0, argb.data()}), Status::Ok);
    ASSERT_EQ(channel_->cursor_pos(i % 2, i, i, i % 3 != 0), Status::Ok);
  }
  EXPECT_LE(channel_->queued(), 5u);
  EXPECT_TRUE(channel_->is_open());
  size_t accepted = 0;
  while (channel_->scanout(1, 64 + accepted % 64, 64) == Status::Ok) ++accepted;  // SET_SCANOUT without end
  EXPECT_LE(accepted, DisplayChannel::kMaxQueued);
  EXPECT_FALSE(channel_->is_open());
  EXPECT_TRUE(log_.contains("the VMM does not read its display socket"));
  EXPECT_EQ(wait_updated().status, Status::Unspec) << "what waited is completed, with an error";
}

}  // namespace
}  // namespace vugpu::vhost
