// Flushes of a blob scanout: the frame points into the guest's pages (0 bytes copied by the
// device), its fence completes only when every presenter released it, and a view a presenter
// still reads outlives an UNREF, a DETACH, a device reset and the removal of its memory.
#include <thread>
#include "blob_fixture.hpp"

namespace vugpu::blobtest {
namespace {

using test::fenced;
using test::flush;
using test::pattern;

constexpr uint32_t kW = 64, kH = 32;  // 8 KiB = 2 pages

std::vector<uint8_t> shown(const test::TestPresenter::Presented& p) { return p.pixels; }

TEST(BlobFlush, FramePointsIntoTheGuestPagesAndTheDeviceCopiesNothing) {
  BlobDevice d;
  const auto entries = d.ram.pages(kBase, 2);
  d.show_blob(1, kW, kH, entries, 7);
  ASSERT_EQ(d.call(test::transfer_2d(1, {0, 0, kW, kH}, 0)), kOk);  // Linux's unfenced transfer: nothing to do
  ASSERT_EQ(d.call(fenced(flush(1, {0, 0, kW, kH}), 5)), kOk);
  ASSERT_EQ(d.presenter.presents.size(), 1u);
  EXPECT_EQ(shown(d.presenter.presents[0]), pattern(kW, kH, 7));
  EXPECT_EQ(d.presenter.presents[0].frame.fourcc, uint32_t(DRM_FORMAT_XRGB8888));
  EXPECT_EQ(d.presenter.presents[0].frame.stride, kW * 4);
  EXPECT_EQ(d.links.bytes_copied.load(), 0u) << "the device copied pixels of a blob";
  EXPECT_EQ(d.log.count_containing("linear view by memfd mapping"), 1u);
  // The guest draws again into the same pages: the next flush shows it (nothing was kept).
  d.draw(entries, pattern(kW, kH, 8));
  ASSERT_EQ(d.call(flush(1, {0, 0, kW, kH})), kOk);
  EXPECT_EQ(shown(d.presenter.presents.back()), pattern(kW, kH, 8));
  EXPECT_EQ(d.links.bytes_copied.load(), 0u);
  const auto stats = d.device->stats();
  EXPECT_EQ(stats.blob_resources_created, 1u);
  EXPECT_EQ(stats.blob_scanouts_set, 1u);
  EXPECT_EQ(stats.blob_frames_presented, 2u);
}

// The explicit sync of issue 9: a presenter reading on another thread holds the flush (and its
// fence) back; the guest's next command on the queue does not run before the release either.
TEST(BlobFlush, FenceCompletesOnlyWhenThePresenterReleasedOnItsThread) {
  BlobDevice d;
  d.show_blob(1, kW, kH, d.ram.pages(kBase, 2), 1);
  d.presenter.hold_releases = true;
  Submitted& f = d.submit(fenced(flush(1, {0, 0, kW, kH}), 42));
  Submitted& next = d.submit(test::transfer_2d(1, {0, 0, kW, kH}, 0));
  d.loop.run_once(0);
  EXPECT_FALSE(f.completed) << "the fence completed while a presenter still read the frame";
  EXPECT_FALSE(next.completed);
  ASSERT_EQ(d.presenter.held.size(), 1u);
  std::atomic<bool> read_ok{false};
  const uint8_t* px = d.presenter.presents[0].frame.pixels;
  std::thread reader([&, release = std::move(d.presenter.held[0])]() mutable {
    read_ok = std::memcmp(px, pattern(kW, kH, 1).data(), size_t{kW} * kH * 4) == 0;
    release.release();
  });
  d.presenter.held.clear();
  ASSERT_TRUE(d.run_until([&] { return f.completed && next.completed; }));
  reader.join();
  EXPECT_TRUE(read_ok);
  EXPECT_EQ(f.type(), kOk);
  EXPECT_EQ(next.type(), kOk);
}

TEST(BlobFlush, ResetWithAFrameHeldKeepsThePagesMappedUntilTheRelease) {
  BlobDevice d;
  d.show_blob(1, kW, kH, d.ram.pages(kBase, 2), 3);
  d.presenter.hold_releases = true;
  d.submit(fenced(flush(1, {0, 0, kW, kH}), 1));
  ASSERT_EQ(d.presenter.held.size(), 1u);
  FrameRelease held = std::move(d.presenter.held[0]);
  d.presenter.held.clear();
  const uint8_t* px = d.presenter.presents[0].frame.pixels;
  d.device->reset();  // the VMM went away; a presenter thread still reads
  EXPECT_EQ(d.device->stats().resources, 0u);
  ASSERT_TRUE(mapped(px, size_t{kW} * kH * 4)) << "the view went while a presenter still read it";
  EXPECT_EQ(std::memcmp(px, pattern(kW, kH, 3).data(), size_t{kW} * kH * 4), 0);
  std::thread([h = std::move(held)]() mutable { h.release(); }).join();
  d.run_until([&] { return !mapped(px, size_t{kW} * kH * 4); });
  EXPECT_FALSE(mapped(px, size_t{kW} * kH * 4)) << "the view outlived the last release";
}

TEST(BlobFlush, MemoryRemovedUnderAHeldBlobDropsItsViewAfterTheRelease) {
  BlobDevice d;
  const auto entries = d.ram.pages(d.ram.boundary(), 2);  // in region 1
  d.show_blob(1, kW, kH, entries, 4);
  d.presenter.hold_releases = true;
  d.submit(fenced(flush(1, {0, 0, kW, kH}), 1));
  ASSERT_EQ(d.presenter.held.size(), 1u);
  const uint8_t* px = d.presenter.presents[0].frame.pixels;
  d.ram.remove_high();  // REM_MEM_REG
  d.device->memory_changed();
  EXPECT_TRUE(mapped(px, size_t{kW} * kH * 4));
  d.presenter.held.clear();
  d.run_until([&] { return !mapped(px, size_t{kW} * kH * 4); });
  EXPECT_FALSE(mapped(px, size_t{kW} * kH * 4)) << "a stale mapping of removed guest memory stayed";
  d.presenter.hold_releases = false;
  // The blob has no backing now: nothing shows it, and showing it again is refused.
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, {0, 0, kW, kH}, kW, kH, kW * 4)), kErrUnspec);
  EXPECT_EQ(d.call(test::transfer_2d(1, {0, 0, kW, kH}, 0)), kErrUnspec);
  EXPECT_EQ(d.call(test::unref(1)), kOk);
}

TEST(BlobFlush, DetachAndUnrefWhileShownThenAttachAgain) {
  BlobDevice d;
  const auto entries = d.ram.pages(kBase, 2);
  d.draw(entries, pattern(kW, kH, 9));
  ASSERT_EQ(d.call(create_blob(1, 2 * kPage, {})), kOk);  // nr_entries 0: backing comes later
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, {0, 0, kW, kH}, kW, kH, kW * 4)), kErrUnspec);
  ASSERT_EQ(d.call(attach_entries(1, entries)), kOk);
  EXPECT_EQ(d.call(attach_entries(1, entries)), kErrUnspec) << "a second backing";
  ASSERT_EQ(d.call(set_scanout_blob(0, 1, {0, 0, kW, kH}, kW, kH, kW * 4)), kOk);
  ASSERT_EQ(d.call(flush(1, {0, 0, kW, kH})), kOk);
  EXPECT_EQ(shown(d.presenter.presents.back()), pattern(kW, kH, 9));
  ASSERT_EQ(d.call(test::detach_backing(1)), kOk);
  EXPECT_EQ(d.call(flush(1, {0, 0, kW, kH})), kErrUnspec);
  ASSERT_EQ(d.call(attach_entries(1, entries)), kOk);
  ASSERT_EQ(d.call(flush(1, {0, 0, kW, kH})), kOk);
  ASSERT_EQ(d.call(test::unref(1)), kOk);
  EXPECT_EQ(d.device->stats().resources, 0u);
  EXPECT_EQ(d.device->stats().host_bytes, 0u);
}

TEST(BlobFlush, CursorFromA64x64Blob) {
  BlobDevice d;
  const auto entries = d.ram.pages(kBase, 4);  // 64 * 64 * 4 = 16 KiB
  d.draw(entries, pattern(64, 64, 5));
  ASSERT_EQ(d.call(create_blob(7, 4 * kPage, entries)), kOk);
  // Linux's cursor update: a fenced transfer (waited on with no timeout), then UPDATE_CURSOR.
  Submitted& t = d.submit(fenced(test::transfer_2d(7, {0, 0, 64, 64}, 0), 3));
  EXPECT_TRUE(t.completed);
  EXPECT_EQ(t.type(), kOk);
  d.submit(test::update_cursor(0, 10, 20, 7, 1, 2), QueueId::Cursor);
  ASSERT_EQ(d.presenter.cursor.size(), 1u);
  const auto& c = d.presenter.cursor[0];
  ASSERT_EQ(c.argb.size(), 64u * 64);
  EXPECT_EQ(std::memcmp(c.argb.data(), pattern(64, 64, 5).data(), 64 * 64 * 4), 0);
  EXPECT_EQ(d.links.bytes_copied.load(), 0u);
}

TEST(BlobFlush, UnalignedEntriesFallBackToACountedGatherCopy) {
  BlobDevice d;
  // Entries that start 16 bytes into a page cannot be mapped: the honest fallback copies.
  std::vector<virtio_gpu_mem_entry> entries;
  for (uint64_t i = 0; i < 3; ++i) entries.push_back({kBase + (5 - i) * kPage + 16, uint32_t(kPage - 16), 0});
  const uint64_t size = 3 * (kPage - 16);
  const uint32_t w = 16, h = uint32_t(size / (w * 4));
  d.draw(entries, pattern(w, h, 2));
  ASSERT_EQ(d.call(create_blob(1, size, entries)), kOk);
  ASSERT_EQ(d.call(set_scanout_blob(0, 1, {0, 0, w, h}, w, h, w * 4)), kOk);
  ASSERT_EQ(d.call(flush(1, {0, 0, w, h})), kOk);
  EXPECT_EQ(shown(d.presenter.presents.back()), pattern(w, h, 2));
  EXPECT_EQ(d.links.bytes_copied.load(), uint64_t{w} * h * 4);
  EXPECT_EQ(d.log.count_containing("linear view by gather copy"), 1u);
}

TEST(BlobFlush, UnsealedGuestMemoryIsCopiedNotMapped) {
  BlobDevice::Options o;
  o.sealed = false;  // the VMM could shrink the file under a mapping: no mapping of our own
  BlobDevice d(o);
  d.show_blob(1, kW, kH, d.ram.pages(kBase, 2), 6);
  ASSERT_EQ(d.call(flush(1, {0, 0, kW, kH})), kOk);
  EXPECT_EQ(shown(d.presenter.presents.back()), pattern(kW, kH, 6));
  EXPECT_EQ(d.log.count_containing("not sealed against shrinking"), 1u);
}

TEST(BlobFlush, EntriesAcrossTheTwoRegionsMapWhenPageAligned) {
  BlobDevice d;
  std::vector<virtio_gpu_mem_entry> entries{{d.ram.boundary() - kPage, uint32_t(2 * kPage), 0}};  // spans both regions
  d.show_blob(1, kW, kH, entries, 11);
  ASSERT_EQ(d.call(flush(1, {0, 0, kW, kH})), kOk);
  EXPECT_EQ(shown(d.presenter.presents.back()), pattern(kW, kH, 11));
  EXPECT_EQ(d.links.bytes_copied.load(), 0u);
}

TEST(BlobFlush, Udmabuf) {
  if (::access("/dev/udmabuf", R_OK | W_OK) != 0) GTEST_SKIP() << "SKIPPED: no /dev/udmabuf";
  BlobDevice::Options o;
  o.view = "udmabuf";
  BlobDevice d(o);
  d.show_blob(1, kW, kH, d.ram.pages(kBase, 2), 12);
  ASSERT_EQ(d.call(flush(1, {0, 0, kW, kH})), kOk);
  EXPECT_GE(d.presenter.presents.back().frame.dmabuf_fd, 0);
  EXPECT_EQ(shown(d.presenter.presents.back()), pattern(kW, kH, 12));
  EXPECT_EQ(d.links.bytes_copied.load(), 0u);
}

}  // namespace
}  // namespace vugpu::blobtest
