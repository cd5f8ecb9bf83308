// RESOURCE_ATTACH_BACKING and RESOURCE_DETACH_BACKING.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

TEST(Backing, AttachIsChargedAndDetachReturnsIt) {
  DeviceHarness h;
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 64, 64)), kOk);
  const uint64_t pixels = 64 * 64 * 4;
  EXPECT_EQ(h.device->stats().host_bytes, pixels);
  const Backing b = h.ram.scattered_pages(pixels);
  ASSERT_EQ(h.call(attach_backing(1, b)), kOk);
  const uint64_t with_backing = h.device->stats().host_bytes;
  EXPECT_GT(with_backing, pixels);
  EXPECT_LE(with_backing, pixels + b.entries.size() * sizeof(iovec));
  EXPECT_EQ(h.call(detach_backing(1)), kOk);
  EXPECT_EQ(h.device->stats().host_bytes, pixels);
}

TEST(Backing, AttachingTwiceIsAnError) {
  DeviceHarness h;
  h.make_resource(1, 8, 8);
  EXPECT_EQ(h.call(attach_backing(1, h.ram.scattered_pages(256))), kErrUnspec);
}

TEST(Backing, AttachToAnUnknownResource) {
  DeviceHarness h;
  EXPECT_EQ(h.call(attach_backing(9, h.ram.scattered_pages(256))), kErrResource);
}

TEST(Backing, AttachWithoutEntries) {
  DeviceHarness h;
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 8, 8)), kOk);
  EXPECT_EQ(h.call(attach_backing_raw(1, 0, {})), kErrParam);
}

TEST(Backing, TooManyEntriesAreRefusedBeforeAnyIsRead) {
  Limits l;
  l.max_backing_entries = 4;
  DeviceHarness h(with_limits(l));
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 8, 8)), kOk);
  // Five announced, none follow: a device that read entries first would say ERR_UNSPEC.
  EXPECT_EQ(h.call(attach_backing_raw(1, 5, {})), kErrOom);
  EXPECT_EQ(h.call(attach_backing_raw(1, 0xffffffff, {})), kErrOom);
  Backing exactly;
  for (int i = 0; i < 4; ++i) exactly.entries.push_back(h.ram.scattered_pages(64).entries[0]);
  ASSERT_EQ(h.call(create_2d(2, kXrgb, 8, 8)), kOk);
  EXPECT_EQ(h.call(attach_backing(2, exactly)), kOk);
}

TEST(Backing, MissingEntriesAreAnErrorAndLeaveNoBacking) {
  DeviceHarness h;
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 8, 8)), kOk);
  const Backing b = h.ram.scattered_pages(8 * 8 * 4);
  EXPECT_EQ(h.call(attach_backing_raw(1, 3, std::span(b.entries).first(1))), kErrUnspec);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 8, 8}, 0)), kErrUnspec);  // still no backing
  EXPECT_EQ(h.call(attach_backing(1, b)), kOk);
}

TEST(Backing, EntriesOutsideGuestMemoryAreRefused) {
  DeviceHarness h;
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 8, 8)), kOk);
  const virtio_gpu_mem_entry below[] = {{GuestRam::kBase - 4096, 4096, 0}};
  const virtio_gpu_mem_entry past_end[] = {{h.ram.end_gpa() - 100, 256, 0}};
  const virtio_gpu_mem_entry wraps[] = {{UINT64_MAX - 10, 256, 0}};
  const virtio_gpu_mem_entry good_then_bad[] = {{GuestRam::kBase, 128, 0}, {0, 128, 0}};
  for (auto entries : {std::span<const virtio_gpu_mem_entry>(below), std::span<const virtio_gpu_mem_entry>(past_end),
                       std::span<const virtio_gpu_mem_entry>(wraps), std::span<const virtio_gpu_mem_entry>(good_then_bad)}) {
    EXPECT_EQ(h.call(attach_backing_raw(1, static_cast<uint32_t>(entries.size()), entries)), kErrParam);
    EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 1, 1}, 0)), kErrUnspec);  // nothing attached
  }
  EXPECT_EQ(h.device->stats().host_bytes, 8u * 8 * 4);
}

TEST(Backing, DetachErrors) {
  DeviceHarness h;
  EXPECT_EQ(h.call(detach_backing(1)), kErrResource);
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 8, 8)), kOk);
  EXPECT_EQ(h.call(detach_backing(1)), kErrUnspec);
  ASSERT_EQ(h.call(attach_backing(1, h.ram.scattered_pages(256))), kOk);
  EXPECT_EQ(h.call(detach_backing(1)), kOk);
  EXPECT_EQ(h.call(detach_backing(1)), kErrUnspec);
  EXPECT_EQ(h.call(transfer_2d(1, {0, 0, 8, 8}, 0)), kErrUnspec);
  EXPECT_EQ(h.call(attach_backing(1, h.ram.scattered_pages(256))), kOk);  // attach again after detach
}

TEST(Backing, AttachRequestSplitIntoSingleBytes) {
  DeviceHarness h;
  ASSERT_EQ(h.call(create_2d(1, kXrgb, 16, 16)), kOk);
  const Backing b = h.ram.scattered_pages(16 * 16 * 4);
  auto& s = h.submit(QueueId::Control, attach_backing(1, b), SubmitOptions{.readable_chunk = 1});
  ASSERT_TRUE(s.completed);
  EXPECT_EQ(s.type(), kOk);
}

}  // namespace
}  // namespace vugpu::test
