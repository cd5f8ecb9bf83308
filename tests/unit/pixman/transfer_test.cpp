// Pixel-exact TRANSFER_TO_HOST_2D through the real plugin: backings scattered over shuffled
// guest pages (and over chunks that end inside pixels), rows crossing page boundaries, odd
// widths, sub-rectangles with the Linux driver's offset convention, every 2D format.
#include <gtest/gtest.h>
#include <random>
#include "host/host_links.hpp"
#include "host/loop_host_services.hpp"
#include "loop/event_loop.hpp"
#include "support/capturing_log.hpp"
#include "support/harness.hpp"
#include "vugpu/format.hpp"

namespace vugpu::test {
namespace {

struct PixmanTransfer : ::testing::Test {
  EventLoop loop;
  CapturingLog log;
  HostLinks links;
  LoopHostServices host{loop, log, links};
  GuestRam ram{4096, 3};
  PluginInstance<Renderer> r = load_pixman(host);

  // A resource with a backing made of `b`'s entries, translated as the core does.
  Resource make(uint32_t format, uint32_t w, uint32_t h, const Backing& b) {
    Resource res;
    res.id = 1;
    res.virtio_format = format;
    res.fourcc = *fourcc_from_virtio(format);
    res.width = w;
    res.height = h;
    EXPECT_EQ(r->create_2d(res), Status::Ok);
    for (const auto& e : b.entries) EXPECT_TRUE(ram.memory().translate_append(e.addr, e.length, res.backing, 4));
    res.backing_size = b.size;
    EXPECT_EQ(r->attach_backing(res), Status::Ok);
    return res;
  }
  std::vector<uint8_t> pixels(Resource& res) {
    Frame f;
    EXPECT_EQ(r->frame(res, Rect{0, 0, res.width, res.height}, f), Status::Ok);
    std::vector<uint8_t> out;
    for (uint32_t y = 0; y < res.height; ++y) out.insert(out.end(), f.pixels + size_t{y} * f.stride, f.pixels + size_t{y} * f.stride + res.width * 4);
    return out;
  }
  void TearDown() override {}
};

const uint32_t kFormats[] = {
    VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM,
    VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM,
    VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM,
};

TEST_F(PixmanTransfer, EveryFormatRoundTripsByteForByte) {
  const uint32_t w = 53, h = 21;
  for (uint32_t format : kFormats) {
    const Backing b = ram.scattered_pages(uint64_t{w} * h * 4);
    Resource res = make(format, w, h, b);
    const auto img = pattern(w, h, format);
    ram.write(b, 0, img);
    ASSERT_EQ(r->transfer_to_host_2d(res, Rect{0, 0, w, h}, 0), Status::Ok);
    Frame f;
    ASSERT_EQ(r->frame(res, Rect{0, 0, w, h}, f), Status::Ok);
    EXPECT_EQ(f.fourcc, *fourcc_from_virtio(format));
    EXPECT_EQ(pixels(res), img) << "format " << format;
    r->destroy(res);
  }
}

TEST_F(PixmanTransfer, OddWidthsOverChunksThatEndInsidePixels) {
  for (auto [w, h] : {std::pair{1u, 1u}, {3u, 7u}, {37u, 13u}, {1000u, 9u}, {1025u, 3u}, {4096u, 2u}}) {
    const Backing b = ram.scattered_chunks(uint64_t{w} * h * 4);
    Resource res = make(VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, w, h, b);
    const auto img = pattern(w, h, w);
    ram.write(b, 0, img);
    ASSERT_EQ(r->transfer_to_host_2d(res, Rect{0, 0, w, h}, 0), Status::Ok);
    EXPECT_EQ(pixels(res), img) << w << "x" << h << " over " << b.entries.size() << " chunks";
    r->destroy(res);
  }
}

TEST_F(PixmanTransfer, SubRectanglesWithTheLinuxOffsetConvention) {
  std::mt19937 rng(5);
  const uint32_t w = 301, h = 77;  // rows of 1204 bytes: every row crosses a page
  const Backing b = ram.scattered_pages(uint64_t{w} * h * 4);
  Resource res = make(VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, w, h, b);
  std::vector<uint8_t> expected(size_t{w} * h * 4, 0);
  uint64_t copied = 0;
  for (int i = 0; i < 200; ++i) {
    const auto img = pattern(w, h, 1000 + i);
    ram.write(b, 0, img);
    Rect rect;
    rect.x = std::uniform_int_distribution<uint32_t>(0, w - 1)(rng);
    rect.y = std::uniform_int_distribution<uint32_t>(0, h - 1)(rng);
    rect.width = std::uniform_int_distribution<uint32_t>(1, w - rect.x)(rng);
    rect.height = std::uniform_int_distribution<uint32_t>(1, h - rect.y)(rng);
    const uint64_t offset = uint64_t{rect.y} * w * 4 + uint64_t{rect.x} * 4;  // what Linux sends
    ASSERT_EQ(r->transfer_to_host_2d(res, rect, offset), Status::Ok);
    copied += uint64_t{rect.width} * rect.height * 4;
    for (uint32_t y = rect.y; y < rect.y + rect.height; ++y)
      std::copy_n(&img[(size_t{y} * w + rect.x) * 4], rect.width * 4, &expected[(size_t{y} * w + rect.x) * 4]);
    ASSERT_EQ(pixels(res), expected) << "transfer " << i;
  }
  EXPECT_EQ(links.bytes_copied.load(), copied);
}

TEST_F(PixmanTransfer, ABackingTooShortIsRefusedWithoutReadingPastIt) {
  const uint32_t w = 16, h = 16;
  const Backing b = ram.scattered_pages(uint64_t{w} * 4 * 8);  // half the rows
  Resource res = make(VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, w, h, b);
  EXPECT_EQ(r->transfer_to_host_2d(res, Rect{0, 0, w, 8}, 0), Status::Ok);
  EXPECT_EQ(r->transfer_to_host_2d(res, Rect{0, 0, w, 9}, 0), Status::InvalidParameter);
  EXPECT_EQ(r->transfer_to_host_2d(res, Rect{0, 0, w + 1, 1}, 0), Status::InvalidParameter);  // outside
}

}  // namespace
}  // namespace vugpu::test
