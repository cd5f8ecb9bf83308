// GET_DISPLAY_INFO and GET_EDID, and the generated EDID (core/device/edid.*).
#include <sys/wait.h>
#include <unistd.h>
#include <optional>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include "device/edid.hpp"
#include "test_common.hpp"

namespace vugpu::test {
namespace {

TEST(DisplayInfo, FromTheSettingsWhenNoPresenterKnows) {
  HarnessOptions o;
  o.settings.scanouts = {ScanoutSettings{1024, 768, true}, ScanoutSettings{800, 600, false}};
  DeviceHarness h(o);
  Submitted& s = h.submit(QueueId::Control, get_display_info());
  ASSERT_EQ(s.type(), uint32_t{VIRTIO_GPU_RESP_OK_DISPLAY_INFO});
  const auto d = display_info_of(s);
  EXPECT_EQ(d.pmodes[0].r.width, 1024u);
  EXPECT_EQ(d.pmodes[0].r.height, 768u);
  EXPECT_EQ(d.pmodes[0].enabled, 1u);
  EXPECT_EQ(d.pmodes[1].enabled, 0u);
  for (int i = 1; i < VIRTIO_GPU_MAX_SCANOUTS; ++i) EXPECT_EQ(d.pmodes[i].r.width, 0u) << i;
  EXPECT_EQ(h.presenter().display_info_calls, 1);
}

// A display's preferred size (HostServices::display_mode_wanted: a resized window) replaces the
// configured mode in what the configuration answers; sizes no mode can have are refused.
TEST(DisplayInfo, APreferredModeReplacesTheConfiguredOne) {
  HarnessOptions o;
  o.settings.scanouts = {ScanoutSettings{1024, 768, true}, ScanoutSettings{800, 600, false}};
  DeviceHarness h(o);
  EXPECT_TRUE(h.device->prefer_mode(0, {1600, 900, true}));
  EXPECT_FALSE(h.device->prefer_mode(0, {1600, 900, true})) << "the same mode again changes nothing";
  EXPECT_FALSE(h.device->prefer_mode(1, {640, 480, true})) << "a disabled scanout";
  EXPECT_FALSE(h.device->prefer_mode(2, {640, 480, true})) << "no such scanout";
  EXPECT_FALSE(h.device->prefer_mode(0, {0, 480, true}));
  EXPECT_FALSE(h.device->prefer_mode(0, {o.settings.limits.max_dimension + 1, 480, true}));
  auto d = display_info_of(h.submit(QueueId::Control, get_display_info()));
  EXPECT_EQ(d.pmodes[0].r.width, 1600u);
  EXPECT_EQ(d.pmodes[0].r.height, 900u);
  EXPECT_EQ(d.pmodes[0].enabled, 1u);
  EXPECT_EQ(d.pmodes[1].enabled, 0u);
  const auto e = edid_of(h.submit(QueueId::Control, get_edid(0)));
  EXPECT_EQ(e.edid[54 + 2] | ((e.edid[54 + 4] >> 4) << 8), 1600);
  h.device->reset();  // the window keeps its size across a driver reset
  d = display_info_of(h.submit(QueueId::Control, get_display_info()));
  EXPECT_EQ(d.pmodes[0].r.width, 1600u);
}

TEST(DisplayInfo, TheFirstPresenterThatAnswersWins) {
  HarnessOptions o;
  o.presenters = 3;
  DeviceHarness h(o);
  h.presenter(1).display = std::vector<DisplayMode>{{1920, 1080, true}, {1280, 720, true}};
  h.presenter(2).display = std::vector<DisplayMode>{{640, 480, true}};
  const auto d = display_info_of(h.submit(QueueId::Control, get_display_info()));
  EXPECT_EQ(d.pmodes[0].r.width, 1920u);
  EXPECT_EQ(d.pmodes[1].r.height, 720u);
  EXPECT_EQ(d.pmodes[1].enabled, 1u);
  EXPECT_EQ(h.presenter(0).display_info_calls, 1);
  EXPECT_EQ(h.presenter(2).display_info_calls, 0);
}

TEST(Edid, GeneratedBlockDescribesTheScanout) {
  HarnessOptions o;
  o.settings.scanouts = {ScanoutSettings{1280, 800, true}, ScanoutSettings{1920, 1080, true}};
  DeviceHarness h(o);
  for (uint32_t scanout : {0u, 1u}) {
    Submitted& s = h.submit(QueueId::Control, get_edid(scanout));
    ASSERT_EQ(s.type(), uint32_t{VIRTIO_GPU_RESP_OK_EDID});
    const auto e = edid_of(s);
    ASSERT_EQ(e.size, 128u);
    const uint8_t header[8] = {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
    EXPECT_EQ(std::memcmp(e.edid, header, 8), 0);
    EXPECT_EQ(std::accumulate(e.edid, e.edid + 128, 0u) % 256, 0u);
    const uint8_t* dtd = e.edid + 54;
    const uint32_t h_active = dtd[2] | ((dtd[4] >> 4) << 8), v_active = dtd[5] | ((dtd[7] >> 4) << 8);
    EXPECT_EQ(h_active, scanout == 0 ? 1280u : 1920u);
    EXPECT_EQ(v_active, scanout == 0 ? 800u : 1080u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(e.edid + 72 + 5), 6), "vugpu\n");
    for (size_t i = 128; i < sizeof e.edid; ++i) ASSERT_EQ(e.edid[i], 0) << i;
  }
}

TEST(Edid, GeneratedForTheModeAPresenterReports) {
  DeviceHarness h;
  h.presenter().display = std::vector<DisplayMode>{{1600, 900, true}};
  const auto e = edid_of(h.submit(QueueId::Control, get_edid(0)));
  EXPECT_EQ(e.edid[54 + 2] | ((e.edid[54 + 4] >> 4) << 8), 1600);
}

TEST(Edid, ThePresentersBlobWins) {
  DeviceHarness h;
  std::vector<uint8_t> blob(256);
  std::iota(blob.begin(), blob.end(), 0);
  h.presenter().edid_blob = blob;
  const auto e = edid_of(h.submit(QueueId::Control, get_edid(0)));
  EXPECT_EQ(e.size, 256u);
  EXPECT_TRUE(std::equal(blob.begin(), blob.end(), e.edid));
}

TEST(Edid, APresenterBlobOfAnImpossibleSizeIsIgnored) {
  DeviceHarness h;
  h.presenter().edid_blob = std::vector<uint8_t>(100, 1);
  EXPECT_EQ(edid_of(h.submit(QueueId::Control, get_edid(0))).size, 128u);
  h.presenter().edid_blob = std::vector<uint8_t>(2048, 1);
  EXPECT_EQ(edid_of(h.submit(QueueId::Control, get_edid(0))).size, 128u);
}

TEST(Edid, ABadScanoutIsRefusedBeforeAnyPresenterIsAsked) {
  DeviceHarness h;
  h.presenter().edid_blob = std::vector<uint8_t>(128, 1);
  EXPECT_EQ(h.call(get_edid(1)), kErrScanout);
  EXPECT_EQ(h.call(get_edid(16)), kErrScanout);
  EXPECT_EQ(h.call(get_edid(0xffffffff)), kErrScanout);
  EXPECT_EQ(h.presenter().edid_calls, 0);
}

TEST(Edid, NotOfferedNotServed) {
  HarnessOptions o;
  o.settings.edid = false;
  DeviceHarness h(o);
  EXPECT_EQ(h.device->features() & (1u << VIRTIO_GPU_F_EDID), 0u);
  EXPECT_EQ(h.call(get_edid(0)), kErrUnspec);
  DeviceHarness with;
  EXPECT_NE(with.device->features() & (1u << VIRTIO_GPU_F_EDID), 0u);
}

TEST(Edid, AModeTooLargeForADetailedTimingIsAnError) {
  DeviceHarness h;
  h.presenter().display = std::vector<DisplayMode>{{5120, 2160, true}};
  EXPECT_EQ(h.call(get_edid(0)), kErrUnspec);
}

TEST(EdidGenerator, ChecksumAndLimits) {
  EXPECT_FALSE(make_edid(0, 600, 1));
  EXPECT_FALSE(make_edid(800, 0, 1));
  EXPECT_FALSE(make_edid(4096, 600, 1));
  EXPECT_FALSE(make_edid(800, 4096, 1));
  for (auto [w, hgt] : {std::pair{1u, 1u}, {640u, 480u}, {4095u, 4095u}, {3840u, 2160u}, {17u, 4000u}}) {
    const auto e = make_edid(w, hgt, 7);
    ASSERT_TRUE(e) << w << "x" << hgt;
    EXPECT_EQ(std::accumulate(e->begin(), e->end(), 0u) % 256, 0u);
    const uint32_t clock = (*e)[54] | ((*e)[55] << 8);
    EXPECT_GT(clock, 0u);
    EXPECT_EQ((*e)[54 + 2] | (((*e)[54 + 4] >> 4) << 8), int(w));
    EXPECT_EQ((*e)[54 + 5] | (((*e)[54 + 7] >> 4) << 8), int(hgt));
    EXPECT_EQ((*e)[12], 7);  // serial
  }
}

// Runs Debian's edid-decode on the block; empty optional when it is not installed.
std::optional<std::pair<int, std::string>> edid_decode(const EdidBlock& block) {
  std::string tool;
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"})
    if (access((std::string(dir) + "/edid-decode").c_str(), X_OK) == 0) tool = std::string(dir) + "/edid-decode";
  if (tool.empty()) return std::nullopt;
  const auto file = std::filesystem::temp_directory_path() / ("vugpu-edid-" + std::to_string(getpid()) + ".bin");
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(block.data()), block.size());
  std::string out;
  FILE* p = popen((tool + " --check " + file.string() + " 2>&1").c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  std::filesystem::remove(file);
  return std::pair{WEXITSTATUS(status), out};
}

TEST(EdidGenerator, PassesEdidDecodeConformanceChecks) {
  for (auto [w, hgt] : {std::pair{1280u, 800u}, {1024u, 768u}, {1920u, 1080u}, {3840u, 2160u}, {640u, 480u}, {4095u, 2304u}}) {
    const auto e = make_edid(w, hgt, 1);
    ASSERT_TRUE(e);
    const auto result = edid_decode(*e);
    if (!result) GTEST_SKIP() << "edid-decode is not installed (apt-get install edid-decode)";
    EXPECT_EQ(result->first, 0) << w << "x" << hgt << "\n" << result->second;
    EXPECT_NE(result->second.find(std::to_string(w) + "x" + std::to_string(hgt)), std::string::npos) << result->second;
  }
}

}  // namespace
}  // namespace vugpu::test
