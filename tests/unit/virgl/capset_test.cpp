// Capsets: what virglrenderer reports, nothing more, and every byte of a response defined.
#include <algorithm>
#include "virgl_fixture.hpp"

namespace vugpu::test {
namespace {

// virglrenderer's own answer, in a buffer far larger than it says it needs.
std::vector<uint8_t> direct_capset(uint32_t id, uint32_t version, uint32_t size) {
  std::vector<uint8_t> big(size_t(size) * 2 + 8192, 0);
  virgl_renderer_fill_caps(id, version, big.data());
  big.resize(size);
  return big;
}

TEST_F(VirglTest, CapsetInfoMatchesVirglrenderer) {
  const uint32_t n = renderer_->features().num_capsets;
  ASSERT_GE(n, 1u);
  for (uint32_t i = 0; i < n; ++i) {
    CapsetInfo info;
    ASSERT_EQ(renderer_->capset_info(i, info), Status::Ok);
    uint32_t version = 0, size = 0;
    virgl_renderer_get_cap_set(info.id, &version, &size);
    EXPECT_TRUE(info.id == 1 || info.id == 2) << info.id;
    EXPECT_GT(info.max_size, 0u);
    EXPECT_EQ(info.max_size, size);
    EXPECT_EQ(info.max_version, version);
  }
  CapsetInfo past;
  EXPECT_EQ(renderer_->capset_info(n, past), Status::InvalidParameter);
  EXPECT_EQ(renderer_->capset_info(UINT32_MAX, past), Status::InvalidParameter);
}

TEST_F(VirglTest, CapsetDataMatchesVirglrenderer) {
  for (uint32_t i = 0; i < renderer_->features().num_capsets; ++i) {
    CapsetInfo info;
    ASSERT_EQ(renderer_->capset_info(i, info), Status::Ok);
    std::vector<uint8_t> out(info.max_size, 0);
    ASSERT_EQ(renderer_->capset(info.id, info.max_version, out), Status::Ok);
    EXPECT_EQ(out, direct_capset(info.id, info.max_version, info.max_size)) << "capset " << info.id;
    // The first word of a virgl capset is its version; the rest is not all zero.
    uint32_t first_word;
    std::memcpy(&first_word, out.data(), sizeof first_word);
    EXPECT_EQ(first_word, info.max_version);
    EXPECT_GT(std::count_if(out.begin() + 4, out.end(), [](uint8_t b) { return b != 0; }), 16);
  }
}

// CVE-2016-10028: asking for a capset virglrenderer sizes at 0 must be an error that touches
// nothing, not a fill of a zero-sized buffer.
TEST_F(VirglTest, CapsetOfSizeZeroIsRefused) {
  int tried = 0;
  for (uint32_t id : {0u, 3u, 4u, 5u, 6u, 7u, 8u, 0xdeadbeefu}) {
    uint32_t version = 0, size = 0;
    virgl_renderer_get_cap_set(id, &version, &size);
    if (size != 0) continue;
    ++tried;
    std::vector<uint8_t> out(256, 0x5a);
    EXPECT_EQ(renderer_->capset(id, version, out), Status::InvalidParameter) << "capset " << id;
    EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0x5a; })) << "capset " << id;
    std::vector<uint8_t> empty;
    EXPECT_EQ(renderer_->capset(id, version, empty), Status::InvalidParameter);
  }
  EXPECT_GE(tried, 2);
}

TEST_F(VirglTest, CapsetVersionAboveMaxIsRefused) {
  CapsetInfo info;
  ASSERT_EQ(renderer_->capset_info(0, info), Status::Ok);
  std::vector<uint8_t> out(info.max_size, 0);
  EXPECT_EQ(renderer_->capset(info.id, info.max_version + 1, out), Status::InvalidParameter);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0; }));
}

TEST_F(VirglTest, CapsetIntoTooSmallBufferWritesNothing) {
  CapsetInfo info;
  ASSERT_EQ(renderer_->capset_info(0, info), Status::Ok);
  std::vector<uint8_t> storage(info.max_size + 64, 0xc3);
  std::span<uint8_t> too_small(storage.data(), info.max_size - 1);
  EXPECT_EQ(renderer_->capset(info.id, info.max_version, too_small), Status::InvalidParameter);
  EXPECT_TRUE(std::all_of(storage.begin(), storage.end(), [](uint8_t b) { return b == 0xc3; }));
}

// CVE-2021-3545 family: a response must carry no stale byte. Past the capset's own size the
// plugin writes zeros even if the buffer it got was not clean.
TEST_F(VirglTest, CapsetResponseIsFullyDefined) {
  CapsetInfo info;
  ASSERT_EQ(renderer_->capset_info(renderer_->features().num_capsets - 1, info), Status::Ok);
  std::vector<uint8_t> out(info.max_size + 100, 0xee);
  ASSERT_EQ(renderer_->capset(info.id, info.max_version, out), Status::Ok);
  const auto expected = direct_capset(info.id, info.max_version, info.max_size);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), out.begin()));
  EXPECT_TRUE(std::all_of(out.begin() + info.max_size, out.end(), [](uint8_t b) { return b == 0; }));
}

}  // namespace
}  // namespace vugpu::test
