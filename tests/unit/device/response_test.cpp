// Responses: every byte defined, written where the room is, truncated to it; malformed
// requests answered with ERR_UNSPEC.
#include "test_common.hpp"

namespace vugpu::test {
namespace {

struct Case {
  const char* name;
  std::function<std::vector<uint8_t>()> request;
  size_t expected_size;
};

// Builds the same device state twice, with the response room pre-filled with different bytes:
// a response that depended on what was there (or on uninitialised memory) would differ.
std::pair<Submitted, Submitted> twice(const Case& c) {
  std::pair<Submitted, Submitted> out;
  for (int run = 0; run < 2; ++run) {
    HarnessOptions o = scripted_options();
    o.script = [](ScriptedRenderer& r) {
      r.feats = {true, false, 1};
      r.capsets = {{1, 2, 100}};
      r.capset_fill_bytes = 50;
    };
    DeviceHarness h(o);
    h.make_resource(1, 16, 16);
    Submitted& s = h.submit(QueueId::Control, c.request(), SubmitOptions{.response_capacity = 2048, .fill = uint8_t(run ? 0x55 : 0xaa)});
    (run ? out.second : out.first) = s;
  }
  return out;
}

TEST(ResponseBytes, EveryResponseIsFullyDefined) {
  const Case cases[] = {
      {"nodata", [] { return fenced(create_2d(2, kXrgb, 4, 4), 7, 1); }, sizeof(virtio_gpu_ctrl_hdr)},
      {"error", [] { return fenced_on_ring(create_2d(1, kXrgb, 4, 4), 8, 2, 3); }, sizeof(virtio_gpu_ctrl_hdr)},
      {"display info", [] { return get_display_info(); }, sizeof(virtio_gpu_resp_display_info)},
      {"edid", [] { return get_edid(0); }, sizeof(virtio_gpu_resp_edid)},
      {"capset info", [] { return get_capset_info(0); }, sizeof(virtio_gpu_resp_capset_info)},
      {"capset", [] { return get_capset(1, 2); }, sizeof(virtio_gpu_ctrl_hdr) + 100},
      {"unknown", [] { return header_only(0x4242); }, sizeof(virtio_gpu_ctrl_hdr)},
  };
  for (const Case& c : cases) {
    const auto [a, b] = twice(c);
    ASSERT_TRUE(a.completed && b.completed) << c.name;
    ASSERT_EQ(a.written, c.expected_size) << c.name;
    ASSERT_EQ(b.written, c.expected_size) << c.name;
    EXPECT_TRUE(std::equal(a.response.begin(), a.response.begin() + a.written, b.response.begin())) << c.name;
    EXPECT_TRUE(std::all_of(a.response.begin() + a.written, a.response.end(), [](uint8_t x) { return x == 0xaa; })) << c.name;
    EXPECT_TRUE(std::all_of(b.response.begin() + b.written, b.response.end(), [](uint8_t x) { return x == 0x55; })) << c.name;
    const auto hdr = a.header();
    EXPECT_EQ(hdr.padding[0] | hdr.padding[1] | hdr.padding[2], 0) << c.name;
  }
}

TEST(ResponseBytes, SpreadOverSeveralWritableBuffers) {
  DeviceHarness h;
  Submitted& one = h.submit(QueueId::Control, get_display_info());
  Submitted& split = h.submit(QueueId::Control, get_display_info(), SubmitOptions{.writable_split = {1, 23, 7}});
  ASSERT_EQ(split.written, one.written);
  EXPECT_TRUE(std::equal(one.response.begin(), one.response.begin() + one.written, split.response.begin()));
}

TEST(ResponseBytes, TruncatedToTheRoomTheGuestGave) {
  DeviceHarness h;
  Submitted& full = h.submit(QueueId::Control, get_display_info());
  Submitted& cut = h.submit(QueueId::Control, get_display_info(), SubmitOptions{.response_capacity = 30});
  ASSERT_TRUE(cut.completed);
  EXPECT_EQ(cut.written, 30u);
  EXPECT_TRUE(std::equal(cut.response.begin(), cut.response.end(), full.response.begin()));
  EXPECT_GE(h.log.count_containing("truncated"), 1u);
  Submitted& none = h.submit(QueueId::Control, get_display_info(), SubmitOptions{.response_capacity = 0});
  EXPECT_TRUE(none.completed);
  EXPECT_EQ(none.written, 0u);
}

TEST(Requests, ShorterThanAHeader) {
  DeviceHarness h;
  auto req = get_display_info();
  req.resize(sizeof(virtio_gpu_ctrl_hdr) - 1);
  EXPECT_EQ(h.call(req), kErrUnspec);
  EXPECT_EQ(h.call({}), kErrUnspec);
}

TEST(Requests, ShorterThanTheirStruct) {
  DeviceHarness h;
  auto req = create_2d(1, kXrgb, 4, 4);
  req.pop_back();
  EXPECT_EQ(h.call(req), kErrUnspec);
  EXPECT_EQ(h.device->stats().resources, 0u);
  auto cursor_req = update_cursor(0, 0, 0, 0, 0, 0);
  cursor_req.resize(sizeof(virtio_gpu_ctrl_hdr));
  const uint64_t errors = h.device->stats().errors;
  h.cursor(cursor_req);
  EXPECT_EQ(h.device->stats().errors, errors + 1);
  EXPECT_TRUE(h.presenter().cursor.empty());
}

TEST(Requests, LongerThanAnyCommandMayBe) {
  Limits l;
  l.max_backing_entries = 4;  // payload bound: max(4 * 16, 64)
  l.max_submit_bytes = 64;
  DeviceHarness h(with_limits(l));
  const size_t bound = 96 + 64;  // the largest fixed struct (CTX_CREATE, SET_SCANOUT_BLOB) + payload
  auto req = get_display_info();
  req.resize(bound);
  EXPECT_EQ(h.call(req), uint32_t{VIRTIO_GPU_RESP_OK_DISPLAY_INFO});
  req.resize(bound + 1);
  EXPECT_EQ(h.call(req), kErrUnspec);
}

TEST(Requests, UnknownAndUnsupportedTypes) {
  DeviceHarness h;
  for (uint32_t type : {0u, 0x99u, 0x10eu, 0x1100u, 0xffffffffu, uint32_t{VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB},
                        uint32_t{VIRTIO_GPU_CMD_SET_SCANOUT_BLOB}, uint32_t{VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID},
                        uint32_t{VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB}}) {
    auto req = header_only(type);
    req.resize(128);  // long enough for any struct: refused for its type, not its size
    EXPECT_EQ(h.call(req), kErrUnspec) << std::hex << type;
  }
}

TEST(Requests, SplitIntoSingleBytes) {
  DeviceHarness h;
  Submitted& s = h.submit(QueueId::Control, create_2d(3, kXrgb, 5, 5), SubmitOptions{.readable_chunk = 1});
  EXPECT_EQ(s.type(), kOk);
  EXPECT_EQ(h.device->stats().host_bytes, 5u * 5 * 4);
}

TEST(GuestErrors, AreCountedAndTheirLogIsRateLimited) {
  DeviceHarness h;
  for (int i = 0; i < 1000; ++i) h.call(unref(77));
  EXPECT_EQ(h.device->stats().errors, 1000u);
  EXPECT_EQ(h.device->stats().commands, 1000u);
  const size_t lines = h.log.count_containing("guest error");
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 30u);
}

}  // namespace
}  // namespace vugpu::test
