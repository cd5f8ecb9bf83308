// Blob resources in guest memory (VIRTIO_GPU_F_RESOURCE_BLOB, BLOB_MEM_GUEST) shown with
// SET_SCANOUT_BLOB, as Linux does for dumb buffers when the device offers blobs, through the
// daemon with `blob = "blob.guest"`. QEMU's frontend never offers blobs to a guest, so only
// this frontend reaches the path (tests/e2e/test_blob.py does with a patched QEMU).
//
// The command sequences are Linux's (tests/frontend/blob_dumb_buffer.hpp): one
// RESOURCE_CREATE_BLOB with every entry, then per plane update an unfenced
// TRANSFER_TO_HOST_2D, SET_SCANOUT_BLOB when the framebuffer changed, a fenced RESOURCE_FLUSH
// the guest waits for before drawing into the buffer again.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <signal.h>
#include <sys/mman.h>
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include "blob_dumb_buffer.hpp"
#include "daemon_stats_file.hpp"
#include "harness.hpp"

#ifndef VUGPU_SLOW_READER_DIR
#error "VUGPU_SLOW_READER_DIR: tests/unit/blob-guest builds present.test-slow-reader there"
#endif

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
const std::string kBlobToml = "blob = \"blob.guest\"\n";

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

void connect_with_blobs(Session& s, VmmOptions o = {}) {
  o.device_features |= vu::bit(vu::kFeatureResourceBlob);
  if (o.display.outputs.empty()) o.display.outputs = {{640, 480, true}};
  s.connect(o);
  ASSERT_TRUE(s.vmm->has_feature(vu::kFeatureResourceBlob))
      << "the daemon with blob = \"blob.guest\" does not offer VIRTIO_GPU_F_RESOURCE_BLOB\n" << s.diagnostics();
}

TEST(VugpuBlob, NotOfferedWithoutABlobProvider) {
  Session s;
  VUGPU_START_OR_SKIP(s, {{640, 480, true}});
  VmmOptions o;
  o.device_features |= vu::bit(vu::kFeatureResourceBlob);
  s.connect(o);
  EXPECT_FALSE(s.vmm->has_feature(vu::kFeatureResourceBlob));
  EXPECT_EQ(s.gpu->simple(cmd::resource_create_blob(1, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 0,
                                                    4096, {})),
            uint32_t(VIRTIO_GPU_RESP_ERR_UNSPEC));
}

TEST(VugpuBlob, GuestMemoryBlobOnAScanout) {
  Session s;
  VUGPU_START_OR_SKIP(s, {{640, 480, true}}, kBlobToml);
  connect_with_blobs(s);
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

// Linux's double-buffered dumb buffers (modetest -v, a compositor): two blobs, page flips by
// SET_SCANOUT_BLOB, every flush fenced. The device copies nothing; the VMM shows every frame.
TEST(VugpuBlob, LinuxDumbBuffersFlipWithZeroDeviceCopies) {
  Session s;
  DaemonStatsFile stats{"vugpu-blob-stats"};
  auto lookup = vugpu_lookup_with_config({{640, 480, true}}, kBlobToml, {stats.arg()});
  if (!lookup.command) GTEST_SKIP() << lookup.missing_reason;
  s.backend = std::make_unique<BackendProcess>(*lookup.command);
  connect_with_blobs(s);
  BlobDumbBuffer a(*s.gpu, 1, 640, 480), b(*s.gpu, 2, 640, 480);
  ASSERT_EQ(a.create(), kOk);
  ASSERT_EQ(b.create(), kOk);
  for (uint32_t f = 0; f < 12; ++f) {
    BlobDumbBuffer& back = f % 2 == 0 ? a : b;
    back.pixels().draw_pattern(f);
    ASSERT_EQ(back.present(0, back.whole(), true, 100 + f), kOk) << "frame " << f;
    ASSERT_EQ(back.pixels().compare(s.vmm->display().surface(0)), "") << "frame " << f;
  }
  // Damage only, no flip: Linux's cursor-sized update of the same buffer.
  b.pixels().fill_rect({10, 20, 30, 40}, 0x00ff00);
  ASSERT_EQ(b.present(0, {10, 20, 30, 40}, false, 200), kOk);
  EXPECT_EQ(b.pixels().compare(s.vmm->display().surface(0)), "");
  const auto t = stats.read(*s.backend);
  EXPECT_EQ(t.get<uint64_t>("device_bytes_copied"), 0u) << "the device copied pixels of the guest's blobs";
  EXPECT_EQ(t.get<uint64_t>("blob_resources_created"), 2u);
  EXPECT_EQ(t.get<uint64_t>("blob_scanouts_set"), 12u);
  EXPECT_EQ(t.get<uint64_t>("blob_frames_presented"), 13u);
  EXPECT_EQ(s.backend->log().find("linear view by memfd mapping") != std::string::npos, true) << s.backend->log();
  EXPECT_EQ(a.unref(), kOk);
  EXPECT_EQ(b.unref(), kOk);
  EXPECT_TRUE(s.clean());
}

// The guest never writes into a buffer the host still reads: a presenter reads every frame
// slowly on a thread of its own; the guest draws into the SAME buffer as soon as the flush's
// fence is back. If the fence came before the reader let go, it logs a TORN frame.
TEST(VugpuBlob, FenceHoldsTheGuestBackWhileASlowPresenterReadsOnItsThread) {
  Session s;
  const std::string toml = kBlobToml + "presenters = [\"present.vhost-user\", \"present.test-slow-reader\"]\n" +
                           "plugin_path = [\"" VUGPU_SLOW_READER_DIR "\"]\n" +
                           "[plugin.\"present.test-slow-reader\"]\npasses = 40\n";
  // The harness's config names its own presenters (TOML takes a key once): this test writes a
  // config of its own and points the daemon's --config at it.
  auto lookup = vugpu_lookup_with_config({{320, 240, true}}, "", {});
  if (!lookup.command) GTEST_SKIP() << lookup.missing_reason;
  const std::string config = (std::filesystem::temp_directory_path() / ("vugpu-blob-slow-" + std::to_string(::getpid()) + ".toml")).string();
  {
    std::ofstream f(config);
    f << "renderer = \"renderer.pixman\"\n" << toml.substr(0, toml.find("[plugin")) << "[[display.scanout]]\nwidth = 320\nheight = 240\n"
      << toml.substr(toml.find("[plugin"));
  }
  for (auto& a : lookup.command->argv)
    if (a.rfind("--config=", 0) == 0) a = "--config=" + config;
  s.backend = std::make_unique<BackendProcess>(*lookup.command);
  VmmOptions o;
  o.display.outputs = {{320, 240, true}};
  connect_with_blobs(s, o);
  BlobDumbBuffer a(*s.gpu, 1, 320, 240);
  ASSERT_EQ(a.create(), kOk);
  constexpr uint32_t kFrames = 30;
  for (uint32_t f = 0; f < kFrames; ++f) {
    a.pixels().draw_pattern(f);  // right after the previous fence: into the buffer just shown
    ASSERT_EQ(a.present(0, a.whole(), f == 0, 1 + f), kOk);
  }
  const std::string last = "read frame " + std::to_string(kFrames);
  const Deadline deadline(Millis(20000));  // a safety net: the reader logs each frame it read
  while (s.backend->log().find(last) == std::string::npos && !deadline.expired())
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling the log, not a synchronisation
  const std::string log = s.backend->log();
  ASSERT_NE(log.find(last), std::string::npos) << "the slow reader did not read every frame\n" << log;
  EXPECT_EQ(log.find("TORN"), std::string::npos) << "the guest wrote into a frame a presenter was reading\n" << log;
  EXPECT_EQ(a.pixels().compare(s.vmm->display().surface(0)), "");
  std::filesystem::remove(config);
  EXPECT_TRUE(s.clean());
}

TEST(VugpuBlob, CursorFromA64x64Blob) {
  Session s;
  VUGPU_START_OR_SKIP(s, {{640, 480, true}}, kBlobToml);
  connect_with_blobs(s);
  BlobDumbBuffer cursor(*s.gpu, 5, 64, 64);
  cursor.pixels().draw_pattern(3);
  ASSERT_EQ(cursor.create(), kOk);
  // Linux: a fenced TRANSFER_TO_HOST_2D it waits for with no timeout, then UPDATE_CURSOR.
  ASSERT_EQ(s.gpu->transfer_to_host_2d(5, {0, 0, 64, 64}, 0, with_fence(9)), kOk);
  s.gpu->update_cursor(0, 100, 50, 5, 2, 3);
  s.vmm->run_until([&] { return s.vmm->display().cursor(0).defined; }, Deadline(Millis(5000)));
  const CursorState& c = s.vmm->display().cursor(0);
  ASSERT_TRUE(c.defined) << s.diagnostics();
  ASSERT_EQ(c.image.size(), 64u * 64);
  EXPECT_EQ(c.image[0] & 0xffffff, cursor.pixels().pixel_xrgb(0, 0));
  EXPECT_EQ(c.image[64 * 64 - 1] & 0xffffff, cursor.pixels().pixel_xrgb(63, 63));
  EXPECT_EQ(c.hot_x, 2u);
  EXPECT_EQ(c.hot_y, 3u);
  EXPECT_TRUE(s.clean());
}

// Guest memory removed (REM_MEM_REG) under a blob on screen: the daemon drops the blob's view
// (no stale mapping), answers the next flush with an error, and lives on.
TEST(VugpuBlob, MemoryUnpluggedUnderAShownBlob) {
  Session s;
  VUGPU_START_OR_SKIP(s, {{320, 200, true}}, kBlobToml);
  VmmOptions o;
  o.ram_regions = 2;
  o.display.outputs = {{320, 200, true}};
  connect_with_blobs(s, o);
  if (!s.vmm->has_protocol_feature(vu::kProtocolConfigureMemSlots))
    GTEST_SKIP() << "the daemon does not offer CONFIGURE_MEM_SLOTS (no ADD/REM_MEM_REG)";
  GuestDriver& gpu = *s.gpu;
  GuestAllocation pages = s.vmm->allocator().allocate_in_region(1, 320 * 200 * 4);
  ASSERT_FALSE(pages.empty());
  const auto entries = pages.entries();
  ASSERT_EQ(gpu.resource_create_blob(1, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 320 * 200 * 4, entries),
            kOk);
  ASSERT_EQ(gpu.set_scanout_blob(0, 1, {0, 0, 320, 200}, 320, 200, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 320 * 4), kOk);
  ASSERT_EQ(gpu.resource_flush(1, {0, 0, 320, 200}, with_fence(1)), kOk);
  const int ram = s.vmm->ram().fd();
  ASSERT_EQ(s.vmm->set(vu::kRemMemReg, s.vmm->mem_region_payload(1), {&ram, 1}, true), 0u) << s.diagnostics();
  EXPECT_EQ(gpu.set_scanout_blob(0, 1, {0, 0, 320, 200}, 320, 200, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 320 * 4),
            uint32_t(VIRTIO_GPU_RESP_ERR_UNSPEC));
  EXPECT_EQ(gpu.transfer_to_host_2d(1, {0, 0, 320, 200}, 0), uint32_t(VIRTIO_GPU_RESP_ERR_UNSPEC));
  EXPECT_EQ(gpu.resource_unref(1), kOk);
  ASSERT_TRUE(s.backend->alive()) << s.diagnostics();
  EXPECT_NE(s.backend->log().find("its guest memory was removed"), std::string::npos) << s.backend->log();
  EXPECT_TRUE(s.clean());
}

// Hostile blob commands over the real transport: the right error each, the daemon lives.
TEST(VugpuBlob, HostileCreateBlob) {
  Session s;
  VUGPU_START_OR_SKIP(s, {{640, 480, true}}, kBlobToml);
  connect_with_blobs(s);
  GuestDriver& gpu = *s.gpu;
  const uint32_t kParam = VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
  GuestAllocation pages = s.vmm->allocator().allocate(2 * 4096, Placement::Scattered);
  const auto entries = pages.entries();
  const std::vector<Extent> outside{{s.vmm->options().ram_bytes + (1ull << 30), 4096}};
  EXPECT_EQ(gpu.resource_create_blob(1, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 3 * 4096, entries), kParam)
      << "size lies";
  EXPECT_EQ(gpu.resource_create_blob(1, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 4096, outside), kParam)
      << "outside RAM";
  const std::vector<Extent> twice{entries[0], entries[0]};
  EXPECT_EQ(gpu.resource_create_blob(1, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 2 * entries[0].len, twice),
            kParam)
      << "duplicated entry";
  Bytes lying = cmd::resource_create_blob(1, VIRTIO_GPU_BLOB_MEM_GUEST, VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, 0, 2 * 4096, entries);
  lying.resize(lying.size() - sizeof(virtio_gpu_mem_entry));  // nr_entries says 2, one follows
  EXPECT_EQ(gpu.simple(lying), uint32_t(VIRTIO_GPU_RESP_ERR_UNSPEC));
  ASSERT_TRUE(s.backend->alive()) << s.diagnostics();
  EXPECT_TRUE(s.clean());
}

}  // namespace
}  // namespace vugpu::itest
