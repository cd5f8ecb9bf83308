// RESOURCE_CREATE_2D and RESOURCE_UNREF.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

const uint32_t kAllFormats[] = {
    VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM,
    VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM,
    VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM,
};

TEST(Resource, CreatesEveryFormatAndChargesItsPixels) {
  DeviceHarness h;
  uint32_t id = 1;
  for (uint32_t format : kAllFormats) EXPECT_EQ(h.call(create_2d(id++, format, 33, 7)), kOk) << format;
  EXPECT_EQ(h.device->stats().resources, 8u);
  EXPECT_EQ(h.device->stats().host_bytes, 8u * 33 * 7 * 4);  // pixman: stride = width * 4
}

TEST(Resource, RefusesIdZero) {
  DeviceHarness h;
  EXPECT_EQ(h.call(create_2d(0, kXrgb, 8, 8)), kErrResource);
  EXPECT_EQ(h.device->stats().resources, 0u);
}

TEST(Resource, RefusesADuplicateIdAndKeepsTheFirst) {
  DeviceHarness h;
  EXPECT_EQ(h.call(create_2d(5, kXrgb, 8, 8)), kOk);
  EXPECT_EQ(h.call(create_2d(5, kXrgb, 16, 16)), kErrResource);
  EXPECT_EQ(h.device->stats().host_bytes, 8u * 8 * 4);
  EXPECT_EQ(h.call(flush(5, {0, 0, 8, 8})), kOk);  // the first one, 8x8, is still there
  EXPECT_EQ(h.call(flush(5, {0, 0, 16, 16})), kErrParam);
}

TEST(Resource, RefusesUnknownFormats) {
  DeviceHarness h;
  for (uint32_t format : {0u, 5u, 66u, 200u, 0xffffffffu}) EXPECT_EQ(h.call(create_2d(1, format, 8, 8)), kErrParam) << format;
  EXPECT_EQ(h.device->stats().resources, 0u);
}

TEST(Resource, RefusesZeroWidthOrHeight) {
  DeviceHarness h;
  EXPECT_EQ(h.call(create_2d(1, kXrgb, 0, 8)), kErrParam);
  EXPECT_EQ(h.call(create_2d(1, kXrgb, 8, 0)), kErrParam);
  EXPECT_EQ(h.device->stats().resources, 0u);
}

TEST(Resource, RefusesSizesAboveTheConfiguredDimension) {
  Limits l;
  l.max_dimension = 64;
  DeviceHarness h(with_limits(l));
  EXPECT_EQ(h.call(create_2d(1, kXrgb, 65, 1)), kErrParam);
  EXPECT_EQ(h.call(create_2d(2, kXrgb, 1, 65)), kErrParam);
  EXPECT_EQ(h.call(create_2d(3, kXrgb, 0xffffffff, 0xffffffff)), kErrParam);
  EXPECT_EQ(h.call(create_2d(4, kXrgb, 64, 64)), kOk);
}

TEST(Resource, UnrefFreesTheIdAndItsMemory) {
  DeviceHarness h;
  h.make_resource(3, 16, 16);
  EXPECT_GT(h.device->stats().host_bytes, 16u * 16 * 4);  // pixels + backing bookkeeping
  EXPECT_EQ(h.call(unref(3)), kOk);
  EXPECT_EQ(h.device->stats().resources, 0u);
  EXPECT_EQ(h.device->stats().host_bytes, 0u);
  EXPECT_EQ(h.call(flush(3, {0, 0, 1, 1})), kErrResource);
  EXPECT_EQ(h.call(create_2d(3, kXrgb, 4, 4)), kOk);  // the id can be used again
}

TEST(Resource, UnrefOfAnUnknownIdIsAnError) {
  DeviceHarness h;
  EXPECT_EQ(h.call(unref(1)), kErrResource);
  EXPECT_EQ(h.call(unref(0)), kErrResource);
  h.make_resource(1, 4, 4);
  EXPECT_EQ(h.call(unref(1)), kOk);
  EXPECT_EQ(h.call(unref(1)), kErrResource);
}

}  // namespace
}  // namespace vugpu::test
