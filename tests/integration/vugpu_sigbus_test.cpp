// A VMM with unsealed guest RAM truncates it under the daemon while the daemon reads it: a
// transfer's backing pages, a blob's view. The daemon catches the SIGBUS (core/memory/
// guarded_mapping), never reports the command done, drops that VMM and serves the next one.
// (Ring pages: VugpuVmmInput.GuestRamTruncatedByTheVmmDoesNotKillTheDaemon; a presenter thread
// reading a frame: tests/unit/sigbus.)
//
// The test VMM must not touch the truncated part of its RAM itself (it would fault too): it
// only reads the rings, which stay in the first region.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <unistd.h>
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;

class VugpuSigbus : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
  }

  // Two RAM regions, unsealed; the rings live in the first.
  void connect(uint64_t extra_features = 0) {
    VmmOptions o;
    o.seal_ram = false;
    o.ram_regions = 2;
    o.device_features |= extra_features;
    o.display.outputs = {{320, 200, true}};
    s_.connect(o);
  }
  // The VMM shrinks its RAM file to the end of the first region.
  void truncate_second_region() {
    const RamRegion& high = s_.vmm->ram().regions()[1];
    ASSERT_EQ(::ftruncate(s_.vmm->ram().fd(), off_t(high.mmap_offset)), 0);
  }
  // The daemon closes the vhost-user socket, stays up, says why.
  void expect_dropped_and_alive() {
    VuMessage m;
    IoStatus st;
    do st = s_.vmm->channel().receive(m, Deadline(Millis(10000)));
    while (st == IoStatus::Ok);
    EXPECT_EQ(st, IoStatus::Eof) << "the daemon kept the VMM that truncated its guest RAM";
    ASSERT_TRUE(s_.backend->alive()) << "the daemon " << s_.backend->describe_exit();
    EXPECT_NE(s_.backend->log().find("truncated guest memory"), std::string::npos) << s_.diagnostics();
  }
  void expect_next_vmm_served() {
    s_.gpu.reset();
    s_.vmm.reset();
    VmmOptions o;
    o.display.outputs = {{320, 200, true}};
    ASSERT_NO_THROW(s_.connect(o)) << s_.diagnostics();
    Framebuffer fb(*s_.gpu, 1, 320, 200);
    fb.draw_pattern(5);
    ASSERT_EQ(fb.show_on(0), kOk);
    EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");
  }

  Session s_;
};

TEST_F(VugpuSigbus, BackingTruncatedUnderATransfer) {
  VUGPU_START_OR_SKIP(s_, {{320, 200, true}});
  connect();
  GuestDriver& gpu = *s_.gpu;
  GuestAllocation backing = s_.vmm->allocator().allocate_in_region(1, 320 * 200 * 4);
  ASSERT_FALSE(backing.empty());
  std::vector<uint8_t> pixels(320 * 200 * 4, 0x77);
  backing.write(0, pixels);
  ASSERT_EQ(gpu.resource_create_2d(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 320, 200), kOk);
  ASSERT_EQ(gpu.attach_backing(1, backing.entries()), kOk);
  ASSERT_EQ(gpu.set_scanout(0, 1, {0, 0, 320, 200}), kOk);
  ASSERT_EQ(gpu.transfer_to_host_2d(1, {0, 0, 320, 200}, 0), kOk);

  truncate_second_region();
  const Ticket t = gpu.submit(Queue::Control, cmd::transfer_to_host_2d(1, {0, 0, 320, 200}, 0), 24);
  expect_dropped_and_alive();
  gpu.reap();  // the used ring is in the first region: still readable
  EXPECT_EQ(gpu.finished().count(t), 0u) << "a transfer that read truncated pages was reported done";
  expect_next_vmm_served();
}

// A blob resource's view (blob.guest) on a scanout, flushed after the VMM truncated the pages
// under it. On unsealed RAM blob.guest makes a gather view, which reads the core's guarded
// mapping at each flush; a mapping view registered with a GuardedMapping behaves the same.
TEST_F(VugpuSigbus, BlobViewTruncatedUnderAFlush) {
  VUGPU_START_OR_SKIP(s_, {{320, 200, true}}, "blob = \"blob.guest\"");
  connect(vu::bit(vu::kFeatureResourceBlob));
  ASSERT_TRUE(s_.vmm->has_feature(vu::kFeatureResourceBlob)) << "blob.guest configured, RESOURCE_BLOB not offered";
  GuestDriver& gpu = *s_.gpu;
  const uint32_t w = 320, h = 200, stride = w * 4;
  GuestAllocation pages = s_.vmm->allocator().allocate_in_region(1, uint64_t(stride) * h);
  ASSERT_FALSE(pages.empty());
  std::vector<uint8_t> pixels(size_t(stride) * h, 0x33);
  pages.write(0, pixels);
  ASSERT_EQ(gpu.simple(cmd::resource_create_blob(1, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 0,
                                                 uint64_t(stride) * h, pages.entries())),
            kOk);
  ASSERT_EQ(gpu.simple(cmd::set_scanout_blob(0, 1, {0, 0, w, h}, w, h, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, stride)), kOk);
  ASSERT_EQ(gpu.resource_flush(1, {0, 0, w, h}), kOk);

  truncate_second_region();
  const Ticket t = gpu.submit(Queue::Control, cmd::resource_flush(1, {0, 0, w, h}), 24);
  expect_dropped_and_alive();
  gpu.reap();
  EXPECT_EQ(gpu.finished().count(t), 0u) << "a flush of truncated pages was reported done";
  expect_next_vmm_served();
}

}  // namespace
}  // namespace vugpu::itest
