// [limits] max_blob_views and max_blob_mappings: every blob view is a kernel resource (a
// udmabuf fd, mappings of the guest's memory file), so a guest gets ERR_OUT_OF_MEMORY at the
// cap, before the provider maps anything; the refused command leaves nothing behind; and a
// view a presenter still reads after the blob is gone keeps counting until its release.
#include "blob_fixture.hpp"

namespace vugpu::blobtest {
namespace {

using test::fenced;
using test::flush;

BlobDevice::Options with_blob_limits(uint32_t views, uint32_t mappings) {
  BlobDevice::Options o;
  o.limits.max_blob_views = views;
  o.limits.max_blob_mappings = mappings;
  return o;
}

// Two scattered pages per blob, from page `index * 4` of region 0.
std::vector<virtio_gpu_mem_entry> two_pages(uint32_t index) { return std::vector<virtio_gpu_mem_entry>{
    {kBase + (uint64_t{index} * 4 + 2) * kPage, uint32_t(kPage), 0}, {kBase + uint64_t{index} * 4 * kPage, uint32_t(kPage), 0}}; }

TEST(BlobLimits, ViewsUpToTheCapThenOutOfMemoryRoundAfterRound) {
  constexpr uint32_t kCap = 8;
  BlobDevice d(with_blob_limits(kCap, 1u << 20));
  for (int round = 0; round < 5; ++round) {
    for (uint32_t id = 1; id <= kCap; ++id)
      ASSERT_EQ(d.call(create_blob(id, 2 * kPage, two_pages(id))), kOk) << "round " << round << ", blob " << id;
    EXPECT_EQ(d.device->stats().blob_views, kCap);
    EXPECT_EQ(d.device->stats().blob_mappings, 2u * kCap);
    const uint64_t host_bytes = d.device->stats().host_bytes;
    EXPECT_EQ(d.call(create_blob(kCap + 1, 2 * kPage, two_pages(kCap + 1))), kErrOom) << "round " << round;
    // A blob made without entries is admitted (it holds no view); its backing is not.
    ASSERT_EQ(d.call(create_blob(kCap + 2, 2 * kPage, {})), kOk);
    EXPECT_EQ(d.call(attach_entries(kCap + 2, two_pages(kCap + 2))), kErrOom) << "round " << round;
    EXPECT_EQ(d.device->stats().blob_views, kCap) << "a refused view was counted (or made)";
    EXPECT_EQ(d.device->stats().resources, kCap + 1) << "the refused CREATE_BLOB left its resource";
    EXPECT_EQ(d.device->stats().host_bytes, host_bytes) << "the refused views left charged bytes";
    for (uint32_t id = 1; id <= kCap + 2; ++id) d.call(test::unref(id));
    const DeviceStats s = d.device->stats();
    EXPECT_EQ(s.blob_views, 0u);
    EXPECT_EQ(s.blob_mappings, 0u);
    EXPECT_EQ(s.resources, 0u);
    EXPECT_EQ(s.host_bytes, 0u);
  }
  EXPECT_GE(d.log.count_containing("max_blob_views"), 1u) << "no log line names the limit";
}

TEST(BlobLimits, MappingsAreChargedAViewsPieces) {
  BlobDevice d(with_blob_limits(100, 10));
  ASSERT_EQ(d.call(create_blob(1, 6 * kPage, d.ram.pages(kBase, 6))), kOk);
  EXPECT_EQ(d.device->stats().blob_mappings, 6u);
  EXPECT_EQ(d.call(create_blob(2, 5 * kPage, d.ram.pages(kBase + 16 * kPage, 5))), kErrOom) << "6 + 5 > 10";
  EXPECT_EQ(d.log.count_containing("max_blob_mappings"), 1u);
  ASSERT_EQ(d.call(create_blob(2, 4 * kPage, d.ram.pages(kBase + 16 * kPage, 4))), kOk) << "6 + 4 = 10";
  EXPECT_EQ(d.device->stats().blob_mappings, 10u);
  // One entry spanning the two regions is two pieces: two mappings.
  ASSERT_EQ(d.call(test::unref(1)), kOk);
  const std::vector<virtio_gpu_mem_entry> across{{d.ram.boundary() - kPage, uint32_t(2 * kPage), 0}};
  ASSERT_EQ(d.call(create_blob(3, 2 * kPage, across)), kOk);
  EXPECT_EQ(d.device->stats().blob_mappings, 6u);
  ASSERT_EQ(d.call(test::unref(2)), kOk);
  ASSERT_EQ(d.call(test::unref(3)), kOk);
  EXPECT_EQ(d.device->stats().blob_mappings, 0u);
}

// The VMM resets the device while a presenter thread still reads a blob frame: the blob is
// gone, its view is not (still mapped), so it still counts until the release.
TEST(BlobLimits, AViewAPresenterStillReadsAfterTheBlobIsGoneStillCounts) {
  BlobDevice d(with_blob_limits(1, 1u << 20));
  d.show_blob(1, 64, 32, d.ram.pages(kBase, 2), 5);
  d.presenter.hold_releases = true;
  d.submit(fenced(flush(1, {0, 0, 64, 32}), 1));
  ASSERT_EQ(d.presenter.held.size(), 1u);
  FrameRelease held = std::move(d.presenter.held[0]);
  d.presenter.held.clear();
  d.presenter.hold_releases = false;
  d.device->reset();
  EXPECT_EQ(d.device->stats().resources, 0u);
  EXPECT_EQ(d.device->stats().blob_views, 1u) << "a view a presenter still reads is not counted";
  EXPECT_EQ(d.call(create_blob(2, 2 * kPage, two_pages(3))), kErrOom) << "the held view does not count";
  EXPECT_EQ(d.device->stats().resources, 0u);
  held.release();
  ASSERT_TRUE(d.run_until([&] { return d.device->stats().blob_views == 0; })) << "the release did not free the view";
  EXPECT_EQ(d.call(create_blob(2, 2 * kPage, two_pages(3))), kOk);
  EXPECT_EQ(d.device->stats().blob_views, 1u);
}

}  // namespace
}  // namespace vugpu::blobtest
