// The whole 2D path without a VMM: renderer.pixman and present.headless loaded through the real
// loader, a real Device, guest memory in a memfd. The "guest" draws into its backing pages,
// sends CREATE_2D, ATTACH_BACKING (scattered pages), TRANSFER_TO_HOST_2D, SET_SCANOUT and
// RESOURCE_FLUSH; the PNG present.headless writes must show exactly what the guest drew.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include "config/plugin_options.hpp"
#include "device/device.hpp"
#include "host/loop_host_services.hpp"
#include "log/spdlog_log.hpp"
#include "vugpu/unique_fd.hpp"
#include "memory/guest_memory.hpp"
#include "plugin/loader.hpp"
#include "png_reader.hpp"

namespace vugpu {
namespace {

constexpr uint64_t kGuestBase = 0x100000;   // guest physical address of our memfd
constexpr uint64_t kGuestSize = 4u << 20;
constexpr uint32_t kWidth = 61, kHeight = 37;  // odd sizes: rows do not align to pages

class DeviceScene : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("VUGPU_PLUGIN_PATH");
    PluginLoader loader(plugin_search_path(env ? env : VUGPU_BUILD_PLUGIN_DIR_DEFAULT, {}));
    for (const char* name : {"renderer.pixman", "present.headless"})
      if (!loader.find(name)) GTEST_SKIP() << name << " is not built (searched " << describe(loader.folders()) << ")";

    char pattern[] = "/tmp/vugpu-scene-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;

    auto pixman = loader.load("renderer.pixman", PluginKind::Renderer);
    renderer_ = create_renderer(pixman, renderer_host_, resolve_plugin_options("renderer.pixman", pixman->options(), nullptr));
    auto headless = loader.load("present.headless", PluginKind::Presenter);
    OptionValues options = resolve_plugin_options("present.headless", headless->options(), nullptr);
    options.set("snapshot_path", (dir_ / "scanout-%s.png").string());
    options.set("interval_ms", int64_t{-1});
    presenter_ = create_presenter(headless, presenter_host_, options);

    memfd_ = UniqueFd(::memfd_create("guest-ram", MFD_CLOEXEC));
    ASSERT_TRUE(memfd_);
    ASSERT_EQ(::ftruncate(memfd_.get(), kGuestSize), 0);
    auto region = MemoryRegion::map(memfd_.get(), kGuestBase, kGuestSize, 0, 0);
    ASSERT_TRUE(region);
    guest_ram_ = region->host();
    memory_.add(std::move(region));

    DeviceSettings settings;
    settings.scanouts = {ScanoutSettings{kWidth, kHeight, true}};
    device_ = std::make_unique<Device>(settings, *renderer_, std::vector<Presenter*>{presenter_.get()}, memory_, device_host_);
    device_->set_completion([this](QueueId, uint16_t head, uint32_t bytes) { completed_.emplace_back(head, bytes); });
  }

  void TearDown() override {
    device_.reset();
    presenter_.reset();
    renderer_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Sends one control command, runs the loop until it completes, returns the response type.
  template <typename Request>
  uint32_t command(const Request& request, std::span<const virtio_gpu_mem_entry> entries = {}) {
    std::vector<uint8_t> bytes(sizeof request + entries.size_bytes());
    std::memcpy(bytes.data(), &request, sizeof request);
    if (!entries.empty()) std::memcpy(bytes.data() + sizeof request, entries.data(), entries.size_bytes());
    virtio_gpu_ctrl_hdr response{};
    CommandChain chain;
    chain.head = ++head_;
    chain.readable = {{bytes.data(), bytes.size()}};
    chain.writable = {{&response, sizeof response}};
    device_->submit(QueueId::Control, std::move(chain));
    for (int i = 0; i < 100 && (completed_.empty() || completed_.back().first != head_); ++i) loop_.run_once(10);
    EXPECT_FALSE(completed_.empty());
    EXPECT_EQ(completed_.back().first, head_);
    EXPECT_EQ(completed_.back().second, sizeof response);
    return response.type;
  }

  static virtio_gpu_ctrl_hdr header(uint32_t type) {
    virtio_gpu_ctrl_hdr h{};
    h.type = type;
    return h;
  }

  // The guest's backing: two scattered runs of guest pages, the second before the first.
  void create_and_attach(uint32_t id, uint32_t virtio_format) {
    virtio_gpu_resource_create_2d create{};
    create.hdr = header(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D);
    create.resource_id = id;
    create.format = virtio_format;
    create.width = kWidth;
    create.height = kHeight;
    ASSERT_EQ(command(create), VIRTIO_GPU_RESP_OK_NODATA);

    const uint64_t size = uint64_t{kWidth} * kHeight * 4;
    const uint64_t first = 4096 + 100;  // not a page multiple: a row straddles the two runs
    backing_ = {{kGuestBase + 0x80000, uint32_t(first), 0}, {kGuestBase + 0x10000, uint32_t(size - first), 0}};
    virtio_gpu_resource_attach_backing attach{};
    attach.hdr = header(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING);
    attach.resource_id = id;
    attach.nr_entries = uint32_t(backing_.size());
    ASSERT_EQ(command(attach, backing_), VIRTIO_GPU_RESP_OK_NODATA);
  }

  // Byte `offset` of the resource's backing, as the guest sees it.
  uint8_t* backing_byte(uint64_t offset) {
    for (const auto& e : backing_) {
      if (offset < e.length) return guest_ram_ + (e.addr - kGuestBase) + offset;
      offset -= e.length;
    }
    ADD_FAILURE() << "offset outside the backing";
    return nullptr;
  }

  // The guest draws pixel (x, y) with colour `seed`, bytes in memory order b0..b3.
  static std::array<uint8_t, 4> guest_pixel(uint32_t x, uint32_t y, uint32_t seed) {
    return {uint8_t(x * 3 + seed), uint8_t(y * 5 + 2 * seed), uint8_t(x * y + seed), uint8_t(0x80 + x + y)};
  }
  void draw(uint32_t seed) {
    for (uint32_t y = 0; y < kHeight; ++y)
      for (uint32_t x = 0; x < kWidth; ++x) {
        const auto p = guest_pixel(x, y, seed);
        for (uint32_t i = 0; i < 4; ++i) *backing_byte((uint64_t{y} * kWidth + x) * 4 + i) = p[i];
      }
  }

  uint32_t transfer(uint32_t id, virtio_gpu_rect r) {
    virtio_gpu_transfer_to_host_2d t{};
    t.hdr = header(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D);
    t.r = r;
    t.offset = (uint64_t{r.y} * kWidth + r.x) * 4;
    t.resource_id = id;
    return command(t);
  }
  uint32_t set_scanout(uint32_t id) {
    virtio_gpu_set_scanout s{};
    s.hdr = header(VIRTIO_GPU_CMD_SET_SCANOUT);
    s.r = {0, 0, kWidth, kHeight};
    s.scanout_id = 0;
    s.resource_id = id;
    return command(s);
  }
  uint32_t flush(uint32_t id, virtio_gpu_rect r) {
    virtio_gpu_resource_flush f{};
    f.hdr = header(VIRTIO_GPU_CMD_RESOURCE_FLUSH);
    f.r = r;
    f.resource_id = id;
    return command(f);
  }

  EventLoop loop_;
  SpdLog log_{LogLevel::Warn};
  HostLinks links_;
  LoopHostServices renderer_host_{loop_, log_, links_}, presenter_host_{loop_, log_, links_},
      device_host_{loop_, log_, links_};
  PluginInstance<Renderer> renderer_;
  PluginInstance<Presenter> presenter_;
  UniqueFd memfd_;
  uint8_t* guest_ram_ = nullptr;
  GuestMemory memory_;
  std::unique_ptr<Device> device_;
  std::vector<virtio_gpu_mem_entry> backing_;
  std::vector<std::pair<uint16_t, uint32_t>> completed_;
  uint16_t head_ = 0;
  std::filesystem::path dir_;
};

// virtio format -> byte positions of R, G, B (and A, or -1) in memory, from the virtio names
// (they list bytes in memory order).
struct FormatCase {
  uint32_t virtio_format;
  int r, g, b, a;
};

class DeviceSceneFormats : public DeviceScene, public ::testing::WithParamInterface<FormatCase> {};

TEST_P(DeviceSceneFormats, GuestPixelsReachThePngExactly) {
  const FormatCase fc = GetParam();
  create_and_attach(1, fc.virtio_format);
  draw(1);
  ASSERT_EQ(transfer(1, {0, 0, kWidth, kHeight}), VIRTIO_GPU_RESP_OK_NODATA);
  ASSERT_EQ(set_scanout(1), VIRTIO_GPU_RESP_OK_NODATA);
  ASSERT_EQ(flush(1, {0, 0, kWidth, kHeight}), VIRTIO_GPU_RESP_OK_NODATA);

  // Second frame: the guest redraws everything but transfers and flushes only a rectangle.
  draw(2);
  const virtio_gpu_rect part{10, 5, 20, 11};
  ASSERT_EQ(transfer(1, part), VIRTIO_GPU_RESP_OK_NODATA);
  ASSERT_EQ(flush(1, part), VIRTIO_GPU_RESP_OK_NODATA);
  EXPECT_EQ(device_->stats().frames_presented, 2u);

  presenter_->shutdown();  // snapshot_on_exit
  const test::DecodedPng png = test::read_png(dir_ / "scanout-0.png");
  ASSERT_EQ(png.width, kWidth);
  ASSERT_EQ(png.height, kHeight);
  int mismatches = 0;
  for (uint32_t y = 0; y < kHeight; ++y)
    for (uint32_t x = 0; x < kWidth; ++x) {
      const bool updated = x >= part.x && x < part.x + part.width && y >= part.y && y < part.y + part.height;
      const auto p = guest_pixel(x, y, updated ? 2 : 1);
      const uint8_t want[4] = {p[fc.r], p[fc.g], p[fc.b], uint8_t(fc.a < 0 ? 255 : p[fc.a])};
      if (std::memcmp(png.at(x, y), want, 4) != 0 && ++mismatches <= 5)
        ADD_FAILURE() << "pixel " << x << "," << y << " differs";
    }
  EXPECT_EQ(mismatches, 0);
  // Bytes copied on the host: pixman's transfers, headless' damage copies and its snapshot.
  EXPECT_GT(links_.bytes_copied.load(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Formats, DeviceSceneFormats,
                         ::testing::Values(FormatCase{VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 2, 1, 0, -1},
                                           FormatCase{VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 2, 1, 0, 3},
                                           FormatCase{VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, 1, 2, 3, -1},
                                           FormatCase{VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, 0, 1, 2, 3},
                                           FormatCase{VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, 3, 2, 1, 0}),
                         [](const auto& info) { return "virtio_format_" + std::to_string(info.param.virtio_format); });

}  // namespace
}  // namespace vugpu
