// Hostile blob commands: each gets its VIRTIO_GPU_RESP_ERR_*, and none leaves a resource, a
// mapping or charged memory behind.
#include <limits>
#include "blob_fixture.hpp"

namespace vugpu::blobtest {
namespace {

using test::flush;

struct CreateCase {
  const char* what;
  uint32_t expected;
};

class BlobHostile : public ::testing::Test {
 protected:
  void expect_nothing_left() {
    EXPECT_EQ(d.device->stats().resources, 0u);
    EXPECT_EQ(d.device->stats().host_bytes, 0u);
  }
  BlobDevice d;
};

TEST_F(BlobHostile, CreateBlobRefusals) {
  const auto two = d.ram.pages(kBase, 2);
  EXPECT_EQ(d.call(create_blob(1, 3 * kPage, two)), kErrParam) << "size lies (larger than the entries)";
  EXPECT_EQ(d.call(create_blob(1, kPage, two)), kErrParam) << "size lies (smaller)";
  EXPECT_EQ(d.call(create_blob(1, 0, {})), kErrParam) << "empty blob";
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, {{d.ram.end(), uint32_t(kPage), 0}, {kBase, uint32_t(kPage), 0}})), kErrParam)
      << "entry outside RAM";
  EXPECT_EQ(d.call(create_blob(1, kPage, {{std::numeric_limits<uint64_t>::max() - 100, uint32_t(kPage), 0}})), kErrParam)
      << "entry wrapping 2^64";
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, {{kBase, uint32_t(kPage), 0}, {kBase, uint32_t(kPage), 0}})), kErrParam)
      << "duplicated entry";
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, {{kBase, uint32_t(kPage + 16), 0}, {kBase + kPage, uint32_t(kPage - 16), 0}})),
            kErrParam)
      << "overlapping entries";
  EXPECT_EQ(d.call(create_blob(1, kPage, {{kBase, 0, 0}, {kBase, uint32_t(kPage), 0}})), kErrParam) << "empty entry";
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, two, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 3)), kErrUnspec)
      << "nr_entries larger than the message";
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, two, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE,
                               std::numeric_limits<uint32_t>::max())),
            kErrOom)
      << "nr_entries beyond the limit";
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, two, VIRTIO_GPU_BLOB_MEM_HOST3D)), kErrParam) << "HOST3D without a 3D renderer";
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, two, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_CROSS_DEVICE)), kErrParam)
      << "CROSS_DEVICE";
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, two, VIRTIO_GPU_BLOB_MEM_GUEST, 0x100)), kErrParam) << "unknown flag";
  EXPECT_EQ(d.call(create_blob(0, 2 * kPage, two)), kErrResource) << "resource id 0";
  expect_nothing_left();
  ASSERT_EQ(d.call(create_blob(1, 2 * kPage, two, VIRTIO_GPU_BLOB_MEM_GUEST,
                               VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE | VIRTIO_GPU_BLOB_FLAG_USE_MAPPABLE)),
            kOk);
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, d.ram.pages(kBase + 8 * kPage, 2))), kErrResource) << "id in use";
  EXPECT_EQ(d.call(map_blob(1)), kErrParam) << "MAP_BLOB of a guest blob";
  EXPECT_EQ(d.call(map_blob(9)), kErrResource);
  ASSERT_EQ(d.call(test::unref(1)), kOk);
  expect_nothing_left();
}

TEST_F(BlobHostile, SetScanoutBlobRefusals) {
  const uint32_t w = 64, h = 32, stride = w * 4;  // 2 pages
  ASSERT_EQ(d.call(create_blob(1, 2 * kPage, d.ram.pages(kBase, 2))), kOk);
  ASSERT_EQ(d.call(test::create_2d(2, kXrgb, w, h)), kOk);
  const Rect all{0, 0, w, h};
  EXPECT_EQ(d.call(set_scanout_blob(16, 1, all, w, h, stride)), kErrScanout);
  EXPECT_EQ(d.call(set_scanout_blob(0, 9, all, w, h, stride)), kErrResource);
  EXPECT_EQ(d.call(set_scanout_blob(0, 2, all, w, h, stride)), kErrParam) << "not a blob";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, all, w, h, stride, 0, 999)), kErrParam) << "unknown format";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, {0, 0, w + 1, h}, w, h, stride)), kErrParam) << "r outside the framebuffer";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, {0xffffffffu, 0, 2, h}, w, h, stride)), kErrParam) << "r.x + width wraps 32 bits";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, {0, 0, 0, 0}, w, h, stride)), kErrParam) << "empty r";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, all, w, h, stride - 4)), kErrParam) << "stride shorter than a row";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, all, w, h + 1, stride)), kErrParam) << "framebuffer larger than the blob";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, all, w, h, stride, 4)), kErrParam) << "offset pushes the last row out";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, all, w, h, stride, 0xffffffffu)), kErrParam) << "huge offset";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, {0, 0, w, 1}, w, 1, 0xfffffff0u)), kErrParam) << "huge stride";
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, {0, 16, w, 16}, w, h, stride)), kOk) << "the lower half";
  EXPECT_EQ(d.call(flush(1, {0, 0, w + 1, h})), kErrParam) << "flush rect outside the framebuffer";
  EXPECT_EQ(d.call(flush(1, {0, 0, w, h})), kOk);
  EXPECT_EQ(d.presenter.presents.back().damage, (Rect{0, 0, w, 16}));
  EXPECT_EQ(d.call(test::set_scanout(0, 1, all)), kErrParam) << "SET_SCANOUT of a blob";
  EXPECT_EQ(d.call(set_scanout_blob(0, 0, {}, 0, 0, 0)), kOk) << "resource 0 disables";
  EXPECT_FALSE(d.presenter.scanouts.back().second.enabled);
  EXPECT_EQ(d.call(test::unref(1)), kOk);
  EXPECT_EQ(d.call(test::unref(2)), kOk);
  expect_nothing_left();
}

TEST(BlobOffer, WithoutAProviderBlobCommandsAreRefusedAndTheFeatureIsNotOffered) {
  BlobDevice::Options o;
  o.with_provider = false;
  BlobDevice d(o);
  EXPECT_EQ(d.device->features() & (uint64_t{1} << VIRTIO_GPU_F_RESOURCE_BLOB), 0u);
  EXPECT_EQ(d.call(create_blob(1, 2 * kPage, d.ram.pages(kBase, 2))), kErrUnspec);
  EXPECT_EQ(d.call(set_scanout_blob(0, 1, {0, 0, 1, 1}, 1, 1, 4)), kErrUnspec);
  EXPECT_EQ(d.call(map_blob(1)), kErrUnspec);
  EXPECT_EQ(d.log.count_containing("no blob provider is configured"), 1u);
}

TEST(BlobOffer, WithAProviderTheFeatureIsOffered) {
  BlobDevice d;
  EXPECT_NE(d.device->features() & (uint64_t{1} << VIRTIO_GPU_F_RESOURCE_BLOB), 0u);
}

}  // namespace
}  // namespace vugpu::blobtest
