// present.vhost-user with blob frames: a frame that has both CPU pixels (the guest's pages) and
// a dmabuf (a udmabuf blob) goes as DMABUF_SCANOUT/DMABUF_UPDATE when the VMM agreed DMABUF2;
// when the VMM refuses the dmabuf (QEMU without a GL display), as one UPDATE straight from the
// pixels, and without trying the dmabuf again on that channel. The presenter's sources are
// compiled into this test; the VMM is a recording fake.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <drm_fourcc.h>
#include <vector>
#include "host/host_links.hpp"
#include "host/loop_host_services.hpp"
#include "loop/event_loop.hpp"
#include "support/capturing_log.hpp"
#include "vhost_user_presenter.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::blobtest {
namespace {

class FakeVmm final : public VmmDisplay {
 public:
  bool dmabuf2 = true, refuse_dmabuf = false;
  std::vector<std::string> calls;
  bool has_edid() const override { return false; }
  bool has_dmabuf2() const override { return dmabuf2; }
  bool display_info_async(DisplayInfoDone) override { return false; }
  bool edid_async(uint32_t, EdidDone) override { return false; }
  Status scanout(uint32_t, uint32_t w, uint32_t h) override {
    calls.push_back("SCANOUT " + std::to_string(w) + "x" + std::to_string(h));
    return Status::Ok;
  }
  Status update(uint32_t, const Rect& r, const uint8_t*, uint32_t, std::function<void(Status)> done) override {
    calls.push_back("UPDATE " + std::to_string(r.width) + "x" + std::to_string(r.height));
    done(Status::Ok);  // the rows are not kept
    return Status::Ok;
  }
  Status cursor_pos(uint32_t, uint32_t, uint32_t, bool) override { return Status::Ok; }
  Status cursor_update(uint32_t, uint32_t, uint32_t, const CursorImage&) override { return Status::Ok; }
  Status dmabuf_scanout(uint32_t, const Frame&) override {
    calls.push_back("DMABUF_SCANOUT");
    return refuse_dmabuf ? Status::Unspec : Status::Ok;
  }
  Status dmabuf_update(uint32_t, const Rect&, std::function<void(Status)> done) override {
    calls.push_back("DMABUF_UPDATE");
    answers.push_back(std::move(done));
    return Status::Ok;
  }
  std::vector<std::function<void(Status)>> answers;  // the VMM's answers, not given yet
};

struct Rig {
  Rig() {
    links.vmm_display = [this] { return &vmm; };
    pixels.resize(size_t{w} * h * 4);
    frame.resource_id = 1;
    frame.width = w;
    frame.height = h;
    frame.stride = w * 4;
    frame.fourcc = DRM_FORMAT_XRGB8888;
    frame.pixels = pixels.data();
    frame.dmabuf_fd = fd.get();
    frame.view = Rect{0, 0, w, h};
  }
  void present() { presenter.present(0, frame, Rect{0, 0, w, h}, FrameRelease{}); }
  static constexpr uint32_t w = 16, h = 8;
  EventLoop loop;
  test::CapturingLog log;
  HostLinks links;
  LoopHostServices host{loop, log, links, true};
  FakeVmm vmm;
  present_vhost_user::VhostUserPresenter presenter{host};
  std::vector<uint8_t> pixels;
  UniqueFd fd{::memfd_create("fake-dmabuf", MFD_CLOEXEC)};
  Frame frame;
};

TEST(VhostUserBlobFrames, DmabufWhenTheVmmAgreedDmabuf2) {
  Rig r;
  r.present();
  r.present();
  EXPECT_EQ(r.vmm.calls, (std::vector<std::string>{"DMABUF_SCANOUT", "DMABUF_UPDATE", "DMABUF_UPDATE"}));
  EXPECT_EQ(r.links.bytes_copied.load(), 0u);
}

TEST(VhostUserBlobFrames, OneUpdateFromThePixelsWithoutDmabuf2) {
  Rig r;
  r.vmm.dmabuf2 = false;
  r.present();
  EXPECT_EQ(r.vmm.calls, (std::vector<std::string>{"SCANOUT 16x8", "UPDATE 16x8"}));
}

TEST(VhostUserBlobFrames, RefusedDmabufFallsBackToPixelsOncePerChannel) {
  Rig r;
  r.vmm.refuse_dmabuf = true;
  r.present();
  r.present();
  EXPECT_EQ(r.vmm.calls, (std::vector<std::string>{"DMABUF_SCANOUT", "SCANOUT 16x8", "UPDATE 16x8", "UPDATE 16x8"}));
}

TEST(VhostUserBlobFrames, TheFrameIsReleasedWhenTheVmmAnswersItsDmabufUpdate) {
  Rig r;
  int released = 0;
  r.presenter.present(0, r.frame, Rect{0, 0, r.w, r.h}, FrameRelease([&] { ++released; }));
  ASSERT_EQ(r.vmm.answers.size(), 1u);
  EXPECT_EQ(released, 0) << "released while the VMM may still read the buffer";
  r.vmm.answers[0](Status::Ok);  // the VMM drew it
  EXPECT_EQ(released, 1);
}

TEST(VhostUserBlobFrames, AnUnansweredDmabufUpdateSendsTheNextFramesAsPixels) {
  Rig r;
  int released = 0;
  r.presenter.present(0, r.frame, Rect{0, 0, r.w, r.h}, FrameRelease([&] { ++released; }));
  ASSERT_EQ(r.vmm.answers.size(), 1u);
  r.vmm.answers[0](Status::Unspec);  // the display channel's time-out
  EXPECT_EQ(released, 1) << "a frame the VMM never answered for is released after the time-out";
  r.present();
  EXPECT_EQ(r.vmm.calls, (std::vector<std::string>{"DMABUF_SCANOUT", "DMABUF_UPDATE", "SCANOUT 16x8", "UPDATE 16x8"}));
}

}  // namespace
}  // namespace vugpu::blobtest
