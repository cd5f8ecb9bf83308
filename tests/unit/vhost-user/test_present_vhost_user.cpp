// present.vhost-user as shipped (the .so, loaded through its descriptor) against a real display
// channel over a socketpair: what reaches the VMM for scanouts, damage, formats, cursor, dmabuf,
// a display channel that changes, and no display at all.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <boost/dll/shared_library.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <drm_fourcc.h>
#include "display_peer.hpp"
#include "test_support.hpp"
#include "vhost-user/display_channel.hpp"
#include "vugpu/plugin.hpp"

namespace vugpu {
namespace {

using test::PeerMessage;
using test::PeerThread;

class TestHost final : public HostServices {
 public:
  explicit TestHost(EventLoop& loop) : loop_(loop) {}
  Log& log() override { return log_; }
  void post(std::function<void()> fn) override { loop_.post(std::move(fn)); }
  WatchId watch_fd(int fd, std::function<void()> cb) override { return loop_.watch(fd, std::move(cb)); }
  void unwatch_fd(WatchId id) override { loop_.unwatch(id); }
  VmmDisplay* vmm_display() override { return display; }
  void fence_signalled(uint32_t, uint32_t, uint64_t) override {}
  void count_copy(uint64_t bytes) override { copied += bytes; }

  VmmDisplay* display = nullptr;
  uint64_t copied = 0;
  test::CaptureLog log_;

 private:
  EventLoop& loop_;
};

// Forwards to whichever channel is current: the same VmmDisplay address over a new channel,
// the case the presenter cannot see from the pointer.
class SwitchableDisplay final : public VmmDisplay {
 public:
  VmmDisplay* target = nullptr;
  bool has_edid() const override { return target->has_edid(); }
  bool has_dmabuf2() const override { return target->has_dmabuf2(); }
  bool display_info_async(DisplayInfoDone d) override { return target->display_info_async(std::move(d)); }
  bool edid_async(uint32_t s, EdidDone d) override { return target->edid_async(s, std::move(d)); }
  Status scanout(uint32_t s, uint32_t w, uint32_t h) override { return target->scanout(s, w, h); }
  Status update(uint32_t s, const Rect& r, const uint8_t* p, uint32_t st, std::function<void(Status)> d) override {
    return target->update(s, r, p, st, std::move(d));
  }
  Status cursor_pos(uint32_t s, uint32_t x, uint32_t y, bool v) override { return target->cursor_pos(s, x, y, v); }
  Status cursor_update(uint32_t s, uint32_t x, uint32_t y, const CursorImage& i) override {
    return target->cursor_update(s, x, y, i);
  }
  Status dmabuf_scanout(uint32_t s, const Frame& f) override { return target->dmabuf_scanout(s, f); }
  Status dmabuf_update(uint32_t s, const Rect& r, std::function<void(Status)> d) override {
    return target->dmabuf_update(s, r, std::move(d));
  }
};

// Asks the presenter for the display info and runs the loop until `done` came (the channel
// always calls it: reply, time-out or close). Nullopt: the presenter does not answer.
std::optional<std::pair<Status, std::vector<DisplayMode>>> display_info(Presenter& p, EventLoop& loop) {
  std::optional<std::pair<Status, std::vector<DisplayMode>>> answer;
  if (!p.display_info_async([&](Status s, std::span<const DisplayMode> m) { answer.emplace(s, std::vector(m.begin(), m.end())); }))
    return std::nullopt;
  while (!answer) loop.run_once(1000);
  return answer;
}

// A channel and the VMM's end of it.
struct Vmm {
  UniqueFd peer;
  std::unique_ptr<vhost::DisplayChannel> channel;
  Vmm(EventLoop& loop, Log& log, int timeout_ms = 500) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw std::runtime_error("socketpair");
    peer.reset(sv[1]);
    channel = std::make_unique<vhost::DisplayChannel>(loop, UniqueFd(sv[0]), log, timeout_ms);
  }
  PeerMessage read() {
    auto m = test::peer_read(peer.get(), 1000);
    if (!m) throw std::runtime_error("the VMM got nothing");
    return std::move(*m);
  }
  bool idle() {
    pollfd p{peer.get(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }
};

struct Image {
  uint32_t width, height, stride, fourcc;
  std::vector<uint8_t> bytes;
  Image(uint32_t w, uint32_t h, uint32_t fcc = DRM_FORMAT_XRGB8888, uint32_t pad = 16)
      : width(w), height(h), stride(w * 4 + pad), fourcc(fcc), bytes(size_t{stride} * h) {
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 13 + i / 509);
  }
  Frame frame() const {
    Frame f;
    f.resource_id = 7;
    f.width = width;
    f.height = height;
    f.stride = stride;
    f.fourcc = fourcc;
    f.pixels = bytes.data();
    f.view = {0, 0, width, height};
    return f;
  }
  const uint8_t* px(uint32_t x, uint32_t y) const { return bytes.data() + size_t{y} * stride + x * 4; }
  std::vector<uint8_t> rows(const Rect& r) const {
    std::vector<uint8_t> out;
    for (uint32_t y = r.y; y < r.y + r.height; ++y) out.insert(out.end(), px(r.x, y), px(r.x, y) + r.width * 4);
    return out;
  }
};

std::vector<uint8_t> pixels_of(const PeerMessage& m) {
  return {m.payload.begin() + sizeof(gpu::Update), m.payload.end()};
}

// The UPDATEs a large present() sends, read by a peer thread while we write (the socket
// buffer is smaller than the picture): their headers and the pixels, concatenated.
struct Updates {
  std::vector<gpu::Update> headers;
  std::vector<uint8_t> pixels;
};
template <typename PresentFn>
Updates read_updates(int peer_fd, size_t expected_bytes, PresentFn present_now) {
  std::mutex mutex;
  std::condition_variable arrived;
  Updates got;
  {
    PeerThread peer(peer_fd, [&](int, const PeerMessage& m) {
      std::lock_guard lock(mutex);
      if (m.header.request != gpu::kUpdate) return;
      got.headers.push_back(m.as<gpu::Update>());
      const auto p = pixels_of(m);
      got.pixels.insert(got.pixels.end(), p.begin(), p.end());
      arrived.notify_all();
    });
    present_now();
    // The frame was released: every byte is in the socket or read. Wait for the peer to have
    // read them (the deadline is only a safety net against a hang; the test asserts on the bytes).
    std::unique_lock lock(mutex);
    arrived.wait_for(lock, std::chrono::seconds(30), [&] { return got.pixels.size() >= expected_bytes; });
  }
  return got;
}

class PresentVhostUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dirs = std::getenv("VUGPU_PLUGIN_PATH");
    std::filesystem::path so;
    for (std::string_view rest = dirs ? dirs : ""; !rest.empty();) {
      const auto colon = rest.find(':');
      const std::filesystem::path candidate = std::filesystem::path(rest.substr(0, colon)) / "vugpu-present.vhost-user.so";
      if (std::filesystem::exists(candidate)) so = candidate;
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
    if (so.empty()) GTEST_SKIP() << "vugpu-present.vhost-user.so not found in VUGPU_PLUGIN_PATH (build the plugin)";
    lib_ = std::make_unique<boost::dll::shared_library>(so.string());
    const auto& desc = lib_->get_alias<const PluginDescriptor>(kDescriptorSymbol);
    ASSERT_EQ(desc.abi_version, kAbiVersion);
    ASSERT_EQ(desc.kind, PluginKind::Presenter);
    ASSERT_STREQ(desc.name, "present.vhost-user");
    presenter_ = desc.create_presenter(host_, OptionValues{});
    ASSERT_TRUE(presenter_);
  }
  void TearDown() override { presenter_.reset(); }  // before the library goes

  // present(), then the loop until the frame is released: once the VMM no longer needs its
  // rows (in the socket, or read to the last byte when they went by reference). A VMM that
  // never reads gets its channel closed on its time-out, which releases the frame too.
  void present(const Frame& f, const Rect& damage) {
    bool released = false;
    presenter_->present(0, f, damage, FrameRelease([&] { released = true; }));
    while (!released) loop_.run_once(1000);
  }
  // A dmabuf frame: released once the VMM answered its DMABUF_UPDATE (counted in `released`).
  void present_dmabuf(const Frame& f, const Rect& damage) {
    presenter_->present(0, f, damage, FrameRelease([this] { ++dmabuf_released_; }));
  }
  int dmabuf_released_ = 0;

  EventLoop loop_;
  TestHost host_{loop_};
  std::unique_ptr<boost::dll::shared_library> lib_;
  std::unique_ptr<Presenter> presenter_;
};

TEST_F(PresentVhostUserTest, WithoutADisplayFramesAreDroppedAndTheCoreAnswersDisplayQuestions) {
  const Image img(32, 16);
  present(img.frame(), {0, 0, 32, 16});
  EXPECT_EQ(host_.copied, 0u);
  EXPECT_FALSE(display_info(*presenter_, loop_)) << "no display: the presenter does not answer";
  EXPECT_FALSE(presenter_->edid_async(0, [](Status, std::span<const uint8_t>) { ADD_FAILURE() << "answered"; }));
  EXPECT_TRUE(host_.log_.contains("no VMM display"));
}

TEST_F(PresentVhostUserTest, ScanoutThenOnlyTheDamagedRectangleStraightFromTheFrame) {
  Vmm vmm(loop_, host_.log_);
  host_.display = vmm.channel.get();
  presenter_->set_scanout(0, DisplayMode{64, 48, true});
  PeerMessage m = vmm.read();
  ASSERT_EQ(m.header.request, gpu::kScanout);
  EXPECT_EQ(m.as<gpu::Scanout>().width, 64u);
  EXPECT_EQ(m.as<gpu::Scanout>().height, 48u);

  const Image img(64, 48);
  const Rect damage{8, 4, 16, 8};
  present(img.frame(), damage);
  m = vmm.read();
  ASSERT_EQ(m.header.request, gpu::kUpdate);
  const auto u = m.as<gpu::Update>();
  EXPECT_EQ((Rect{u.x, u.y, u.width, u.height}), damage);  // braces: clang < 16 has no Rect(...) of an aggregate
  EXPECT_EQ(pixels_of(m), img.rows(damage)) << "XRGB8888 goes out as it is";
  EXPECT_EQ(host_.copied, 16u * 8 * 4) << "one copy: into the socket";
  EXPECT_TRUE(vmm.idle());

  presenter_->set_scanout(0, DisplayMode{0, 0, false});
  m = vmm.read();
  ASSERT_EQ(m.header.request, gpu::kScanout);
  EXPECT_EQ(m.as<gpu::Scanout>().width, 0u);
}

TEST_F(PresentVhostUserTest, ViewOffsetIsHonoured) {
  Vmm vmm(loop_, host_.log_);
  host_.display = vmm.channel.get();
  const Image img(100, 80);
  Frame f = img.frame();
  f.view = {20, 10, 50, 40};  // the scanout shows part of the resource
  presenter_->set_scanout(0, DisplayMode{50, 40, true});
  vmm.read();
  present(f, {5, 6, 7, 8});
  const PeerMessage m = vmm.read();
  EXPECT_EQ(pixels_of(m), img.rows({25, 16, 7, 8}));
}

TEST_F(PresentVhostUserTest, FirstFrameOnAChannelGetsScanoutAndTheWholePicture) {
  Vmm first(loop_, host_.log_);
  host_.display = first.channel.get();
  const Image img(40, 30);
  present(img.frame(), {1, 1, 2, 2});
  PeerMessage m = first.read();
  ASSERT_EQ(m.header.request, gpu::kScanout) << "no set_scanout seen yet: the size comes from the frame";
  m = first.read();
  ASSERT_EQ(m.header.request, gpu::kUpdate);
  EXPECT_EQ(pixels_of(m), img.rows({0, 0, 40, 30})) << "a new surface is black: send all of it";

  // The VMM restarted the device: a new channel (another object).
  Vmm second(loop_, host_.log_);
  host_.display = second.channel.get();
  present(img.frame(), {1, 1, 2, 2});
  m = second.read();
  ASSERT_EQ(m.header.request, gpu::kScanout);
  m = second.read();
  EXPECT_EQ(pixels_of(m), img.rows({0, 0, 40, 30}));
}

TEST_F(PresentVhostUserTest, NewChannelBehindTheSameAddressIsCaughtByTheUpdateRefusal) {
  SwitchableDisplay display;
  Vmm first(loop_, host_.log_), second(loop_, host_.log_);
  display.target = first.channel.get();
  host_.display = &display;
  const Image img(40, 30);
  present(img.frame(), {0, 0, 40, 30});
  first.read();
  first.read();
  display.target = second.channel.get();  // same VmmDisplay*, channel that never got SCANOUT
  present(img.frame(), {3, 3, 4, 4});
  PeerMessage m = second.read();
  ASSERT_EQ(m.header.request, gpu::kScanout);
  m = second.read();
  ASSERT_EQ(m.header.request, gpu::kUpdate);
  EXPECT_EQ(pixels_of(m), img.rows({0, 0, 40, 30}));
  EXPECT_TRUE(first.idle());
}

// QEMU shows every UPDATE as it arrives: a flush sent as several would be seen torn. So one
// flushed rectangle is one UPDATE, however large, converted or not.
TEST_F(PresentVhostUserTest, OtherFormatsAreConvertedAndSentAsOneUpdate) {
  Vmm vmm(loop_, host_.log_);
  host_.display = vmm.channel.get();
  // ABGR8888: bytes R, G, B, A in memory.
  Image img(256, 300, DRM_FORMAT_ABGR8888, 0);
  presenter_->set_scanout(0, DisplayMode{256, 300, true});
  vmm.read();
  const Updates u = read_updates(vmm.peer.get(), 256u * 300 * 4, [&] { present(img.frame(), {0, 0, 256, 300}); });
  ASSERT_EQ(u.headers.size(), 1u) << "a flushed rectangle split into several UPDATEs shows torn";
  EXPECT_EQ(u.headers[0].x, 0u);
  EXPECT_EQ(u.headers[0].y, 0u);
  EXPECT_EQ(u.headers[0].width, 256u);
  EXPECT_EQ(u.headers[0].height, 300u);
  const std::vector<uint8_t>& got = u.pixels;
  ASSERT_EQ(got.size(), 256u * 300 * 4);
  for (uint32_t y = 0; y < 300; ++y) {
    for (uint32_t x = 0; x < 256; ++x) {
      const uint8_t* s = img.px(x, y);
      const uint8_t* d = got.data() + (size_t{y} * 256 + x) * 4;
      ASSERT_EQ(d[0], s[2]) << "B at " << x << "," << y;
      ASSERT_EQ(d[1], s[1]) << "G at " << x << "," << y;
      ASSERT_EQ(d[2], s[0]) << "R at " << x << "," << y;
    }
  }
  EXPECT_EQ(host_.copied, 2ull * 256 * 300 * 4) << "conversion copy + socket copy";
}

TEST_F(PresentVhostUserTest, LargeDamageGoesOutAsOneUpdateStraightFromTheFrame) {
  Vmm vmm(loop_, host_.log_);
  host_.display = vmm.channel.get();
  const Image img(1920, 1080);  // XRGB8888, a whole 1080p page flip: 8.3 MB
  presenter_->set_scanout(0, DisplayMode{1920, 1080, true});
  vmm.read();
  const Updates u = read_updates(vmm.peer.get(), 1920u * 1080 * 4, [&] { present(img.frame(), {0, 0, 1920, 1080}); });
  ASSERT_EQ(u.headers.size(), 1u) << "a flushed rectangle split into several UPDATEs shows torn";
  EXPECT_EQ(u.headers[0].y, 0u);
  EXPECT_EQ(u.headers[0].width, 1920u);
  EXPECT_EQ(u.headers[0].height, 1080u);
  EXPECT_EQ(u.pixels, img.rows({0, 0, 1920, 1080}));
  EXPECT_EQ(host_.copied, 1920ull * 1080 * 4) << "one copy: into the socket";
}

// The frame's rows go to the VMM by reference: the frame (and with it the guest's flush and
// fence) is released only once the VMM has read every byte, and the device loop is not held
// meanwhile.
TEST_F(PresentVhostUserTest, AFrameIsReleasedOnlyOnceTheVmmHasReadItsUpdate) {
  Vmm vmm(loop_, host_.log_, 60000);
  host_.display = vmm.channel.get();
  Image img(1920, 1080);
  const std::vector<uint8_t> shown = img.rows({0, 0, 1920, 1080});
  presenter_->set_scanout(0, DisplayMode{1920, 1080, true});
  vmm.read();
  bool released = false;
  presenter_->present(0, img.frame(), {0, 0, 1920, 1080}, FrameRelease([&] { released = true; }));
  for (int i = 0; i < 20; ++i) loop_.run_once(5);
  EXPECT_FALSE(released) << "released while the VMM had read nothing of it";

  std::optional<PeerMessage> got;
  std::thread reader([&] { got = test::peer_read(vmm.peer.get(), 5000); });
  while (!released) loop_.run_once(1000);
  std::fill(img.bytes.begin(), img.bytes.end(), uint8_t{0});  // the guest's next transfer
  reader.join();
  ASSERT_TRUE(got);
  ASSERT_EQ(got->header.request, gpu::kUpdate);
  EXPECT_TRUE(pixels_of(*got) == shown) << "the VMM read rows the guest wrote after the release";
}

// A VMM that stops reading loses its display channel after the channel's time-out; the frame
// it held is released then (its fence completes), and later frames are dropped at once.
TEST_F(PresentVhostUserTest, AVmmThatStopsReadingLosesItsChannelAndTheFrameIsReleased) {
  Vmm vmm(loop_, host_.log_, 200);
  host_.display = vmm.channel.get();
  const Image img(1024, 768);
  presenter_->set_scanout(0, DisplayMode{1024, 768, true});
  vmm.read();
  bool released = false;
  presenter_->present(0, img.frame(), {0, 0, 1024, 768}, FrameRelease([&] { released = true; }));
  EXPECT_FALSE(released);
  while (!released) loop_.run_once(1000);
  EXPECT_FALSE(vmm.channel->is_open());
  EXPECT_TRUE(host_.log_.contains("did not read its display socket for 200 ms"));
  bool again = false;
  presenter_->present(0, img.frame(), {0, 0, 8, 8}, FrameRelease([&] { again = true; }));
  EXPECT_TRUE(again) << "a closed channel takes nothing: the frame goes at once";
}

TEST_F(PresentVhostUserTest, BottomUpFramesAreFlipped) {
  Vmm vmm(loop_, host_.log_);
  host_.display = vmm.channel.get();
  const Image img(8, 6);
  Frame f = img.frame();
  f.y0_top = false;
  presenter_->set_scanout(0, DisplayMode{8, 6, true});
  vmm.read();
  present(f, {0, 1, 8, 2});  // picture rows 1..2 = stored rows 4..3
  const PeerMessage m = vmm.read();
  std::vector<uint8_t> want = img.rows({0, 4, 8, 1});
  const auto row3 = img.rows({0, 3, 8, 1});
  want.insert(want.end(), row3.begin(), row3.end());
  EXPECT_EQ(pixels_of(m), want);
}

TEST_F(PresentVhostUserTest, CursorShapeMoveAndHide) {
  Vmm vmm(loop_, host_.log_);
  host_.display = vmm.channel.get();
  std::vector<uint32_t> argb(64 * 64, 0x80ff0000u);
  const CursorImage image{2, 3, argb.data()};
  presenter_->cursor_update(0, 100, 50, &image);
  PeerMessage m = vmm.read();
  ASSERT_EQ(m.header.request, gpu::kCursorUpdate);
  EXPECT_EQ(m.as<gpu::CursorUpdate>().hot_y, 3u);
  presenter_->cursor_move(0, 110, 60);
  m = vmm.read();
  EXPECT_EQ(m.header.request, gpu::kCursorPos);
  EXPECT_EQ(m.as<gpu::CursorPos>().x, 110u);
  presenter_->cursor_update(0, 110, 60, nullptr);
  m = vmm.read();
  EXPECT_EQ(m.header.request, gpu::kCursorPosHide);
  presenter_->cursor_move(0, 120, 70);
  m = vmm.read();
  EXPECT_EQ(m.header.request, gpu::kCursorPosHide) << "a hidden cursor stays hidden when it moves";
}

TEST_F(PresentVhostUserTest, DisplayInfoComesFromTheVmmAndFallsBackWhenItIsSilent) {
  Vmm vmm(loop_, host_.log_, 100);
  host_.display = vmm.channel.get();
  {
    PeerThread peer(vmm.peer.get(), [](int fd, const PeerMessage& msg) {
      if (msg.header.request == gpu::kGetDisplayInfo) test::peer_reply_display_info(fd, {{1920, 1080}});
    });
    const auto answer = display_info(*presenter_, loop_);
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->first, Status::Ok);
    EXPECT_EQ(answer->second.at(0).width, 1920u);
  }
  const auto answer = display_info(*presenter_, loop_);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->first, Status::NotSupported) << "timeout: the core uses its config";
}

TEST_F(PresentVhostUserTest, DmabufFramesUseTheDmabufMessages) {
  Vmm vmm(loop_, host_.log_);
  host_.display = vmm.channel.get();
  UniqueFd buf(::memfd_create("fake-dmabuf", MFD_CLOEXEC));
  Frame f;
  f.resource_id = 3;
  f.width = 640;
  f.height = 480;
  f.stride = 2560;
  f.fourcc = DRM_FORMAT_XRGB8888;
  f.dmabuf_fd = buf.get();
  f.view = {0, 0, 640, 480};
  std::atomic<bool> answer{false};  // the VMM holds its answers until told (its GL display drawing)
  PeerThread peer(vmm.peer.get(), [&](int fd, const PeerMessage& msg) {
    if (msg.header.request != gpu::kDmabufUpdate) return;
    while (!answer) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    test::peer_reply(fd, gpu::kDmabufUpdate, {});
  });
  present_dmabuf(f, {0, 0, 10, 10});
  present_dmabuf(f, {5, 5, 10, 10});
  f.resource_id = 4;  // page flip to another buffer
  present_dmabuf(f, {0, 0, 640, 480});
  loop_.run_once(0);
  EXPECT_EQ(dmabuf_released_, 0) << "released before the VMM said it drew the buffer";
  answer = true;
  for (int i = 0; i < 500 && (peer.requests().size() < 5 || dmabuf_released_ < 3); ++i) loop_.run_once(10);
  const std::vector<uint32_t> want = {gpu::kDmabufScanout, gpu::kDmabufUpdate, gpu::kDmabufUpdate,
                                      gpu::kDmabufScanout, gpu::kDmabufUpdate};
  EXPECT_EQ(peer.requests(), want) << "scanout once per buffer, an update per frame";
  EXPECT_EQ(dmabuf_released_, 3) << "each frame released when the VMM answered";
  EXPECT_EQ(host_.copied, 0u) << "nothing copied on the dmabuf path";
}

}  // namespace
}  // namespace vugpu
