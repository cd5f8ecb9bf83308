#include <gtest/gtest.h>
#include "edid.hpp"

using namespace vugpu::frontend;

TEST(Edid, GeneratedBlockParsesBack) {
  const auto e = make_edid(1920, 1080, "screen-two");
  ASSERT_EQ(e.size(), 128u);
  const EdidInfo info = parse_edid(e);
  ASSERT_TRUE(info.valid) << info.problem;
  EXPECT_EQ(info.preferred_width, 1920u);
  EXPECT_EQ(info.preferred_height, 1080u);
  EXPECT_EQ(info.name, "screen-two");
}

TEST(Edid, AnyChangedByteBreaksTheChecksum) {
  auto e = make_edid(1280, 800);
  e[60] ^= 1;
  const EdidInfo info = parse_edid(e);
  EXPECT_FALSE(info.valid);
  EXPECT_NE(info.problem.find("checksum"), std::string::npos);
}

TEST(Edid, RejectsBadSizesAndHeaders) {
  auto e = make_edid(640, 480);
  EXPECT_FALSE(parse_edid(std::span(e).first(100)).valid);
  e[1] = 0;
  EXPECT_FALSE(parse_edid(e).valid);
}
