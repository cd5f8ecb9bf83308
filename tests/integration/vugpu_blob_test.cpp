// Blob resources in guest memory (VIRTIO_GPU_F_RESOURCE_BLOB, BLOB_MEM_GUEST) shown with
// SET_SCANOUT_BLOB, as Linux does for dumb buffers when the device offers blobs. QEMU's
// frontend never offers blobs to a guest, so only this frontend reaches the path. Skipped while
// the daemon does not offer the feature (no blob plugin configured).
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <sys/mman.h>
#include <iostream>
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;

// What the VMM shows for scanout 0: the composed surface, or the dmabuf it was handed.
std::vector<uint32_t> shown(DisplayPeer& d, uint32_t width, uint32_t height, std::string& how) {
  std::vector<uint32_t> px;
  const DmabufScanoutState& dma = d.dmabuf(0);
  if (dma.active) {
    how = "dmabuf";
    const size_t len = size_t(dma.info.fd_stride) * dma.info.fd_height;
    void* map = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, dma.fd.get(), 0);
    if (map == MAP_FAILED) return px;
    for (uint32_t y = 0; y < height; ++y) {
      const auto* row = reinterpret_cast<const uint32_t*>(static_cast<const uint8_t*>(map) + size_t(y) * dma.info.fd_stride);
      px.insert(px.end(), row, row + width);
    }
    ::munmap(map, len);
  } else if (const Surface* s = d.surface(0)) {
    how = "surface";
    if (s->width == width && s->height == height) px = s->pixels;
  }
  return px;
}

TEST(VugpuBlob, GuestMemoryBlobOnAScanout) {
  Session s;
  VUGPU_START_OR_SKIP(s, {{640, 480, true}});
  VmmOptions o;
  o.device_features |= vu::bit(vu::kFeatureResourceBlob);
  o.display.outputs = {{640, 480, true}};
  s.connect(o);
  if (!s.vmm->has_feature(vu::kFeatureResourceBlob))
    GTEST_SKIP() << "the daemon does not offer VIRTIO_GPU_F_RESOURCE_BLOB (no blob plugin in its configuration)";
  GuestDriver& gpu = *s.gpu;
  const uint32_t w = 640, h = 480, stride = w * 4;
  GuestAllocation pages = s.vmm->allocator().allocate(uint64_t(stride) * h, Placement::Scattered);
  std::vector<uint32_t> pixels(size_t(w) * h);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint32_t(i * 2654435761u) & 0xffffff;
  pages.write(0, {reinterpret_cast<const uint8_t*>(pixels.data()), pixels.size() * 4});
  const auto entries = pages.entries();
  ASSERT_EQ(gpu.simple(cmd::resource_create_blob(1, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 0,
                                                 uint64_t(stride) * h, entries)),
            kOk);
  ASSERT_EQ(gpu.simple(cmd::set_scanout_blob(0, 1, {0, 0, w, h}, w, h, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, stride)), kOk);
  ASSERT_EQ(gpu.resource_flush(1, {0, 0, w, h}), kOk);
  std::string how;
  std::vector<uint32_t> got = shown(s.vmm->display(), w, h, how);
  ASSERT_EQ(got.size(), pixels.size()) << "the VMM shows nothing of the right size (" << how << ")";
  size_t wrong = 0;
  for (size_t i = 0; i < pixels.size(); ++i) wrong += (got[i] & 0xffffff) != pixels[i];
  EXPECT_EQ(wrong, 0u) << "pixels differ, shown by " << how;
  // The guest draws again into the same pages: a flush shows it (no copy was kept).
  pixels[0] = 0x123456;
  pages.write(0, {reinterpret_cast<const uint8_t*>(pixels.data()), 4});
  ASSERT_EQ(gpu.resource_flush(1, {0, 0, 1, 1}), kOk);
  got = shown(s.vmm->display(), w, h, how);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0] & 0xffffff, 0x123456u);
  EXPECT_EQ(gpu.resource_unref(1), kOk);
  EXPECT_TRUE(s.clean());
}

}  // namespace
}  // namespace vugpu::itest
