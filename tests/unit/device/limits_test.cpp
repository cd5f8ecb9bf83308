// The configurable limits a hostile guest runs into: resources, host memory, backing
// bookkeeping, contexts.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

TEST(Limits, NumberOfResources) {
  Limits l;
  l.max_resources = 3;
  DeviceHarness h(with_limits(l));
  for (uint32_t id = 1; id <= 3; ++id) EXPECT_EQ(h.call(create_2d(id, kXrgb, 4, 4)), kOk);
  EXPECT_EQ(h.call(create_2d(4, kXrgb, 4, 4)), kErrOom);
  EXPECT_EQ(h.call(unref(2)), kOk);
  EXPECT_EQ(h.call(create_2d(4, kXrgb, 4, 4)), kOk);
}

TEST(Limits, HostMemory) {
  Limits l;
  l.host_memory_bytes = 2 * 64 * 64 * 4;
  DeviceHarness h(with_limits(l));
  EXPECT_EQ(h.call(create_2d(1, kXrgb, 64, 64)), kOk);
  EXPECT_EQ(h.call(create_2d(2, kXrgb, 64, 64)), kOk);
  EXPECT_EQ(h.call(create_2d(3, kXrgb, 1, 1)), kErrOom);
  EXPECT_EQ(h.device->stats().host_bytes, l.host_memory_bytes);
  EXPECT_EQ(h.call(unref(1)), kOk);
  EXPECT_EQ(h.call(create_2d(3, kXrgb, 64, 64)), kOk);
}

TEST(Limits, HostMemoryIsCheckedBeforeTheRendererAllocates) {
  Limits l;
  l.host_memory_bytes = 1 << 20;
  l.max_dimension = 1 << 20;
  DeviceHarness h(with_limits(l));
  // 2^20 x 2^20 pixels would be 4 TiB: refused without asking pixman for it.
  EXPECT_EQ(h.call(create_2d(1, kXrgb, 1 << 20, 1 << 20)), kErrOom);
  EXPECT_EQ(h.call(create_2d(1, kXrgb, 512, 513)), kErrOom);
  EXPECT_EQ(h.call(create_2d(1, kXrgb, 512, 512)), kOk);
  EXPECT_EQ(h.device->stats().host_bytes, 1u << 20);
}

TEST(Limits, BackingBookkeepingCountsAgainstHostMemory) {
  Limits l;
  l.host_memory_bytes = 16 * 16 * 4 + 4 * sizeof(iovec);
  DeviceHarness h(with_limits(l));
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 16, 16)), kOk);
  Backing many;
  for (int i = 0; i < 5; ++i) many.entries.push_back({GuestRam::kBase + uint64_t(i) * 2 * kPage, 256, 0});
  EXPECT_EQ(h.call(attach_backing(1, many)), kErrOom);
  many.entries.resize(4);
  EXPECT_EQ(h.call(attach_backing(1, many)), kOk);
}

TEST(Limits, Contexts) {
  HarnessOptions o = scripted_options();
  o.settings.limits.max_contexts = 2;
  DeviceHarness h(o);
  EXPECT_EQ(h.call(ctx_create(1, "a")), kOk);
  EXPECT_EQ(h.call(ctx_create(2, "b")), kOk);
  EXPECT_EQ(h.call(ctx_create(3, "c")), kErrOom);
  EXPECT_EQ(h.call(ctx_destroy(1)), kOk);
  EXPECT_EQ(h.call(ctx_create(3, "c")), kOk);
}

}  // namespace
}  // namespace vugpu::test
