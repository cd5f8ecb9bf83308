// The plugin's check that a SUBMIT_3D buffer splits exactly into virgl commands.
#include <gtest/gtest.h>
#include <vector>
#include "command_framing.hpp"

namespace vugpu::virgl {
namespace {

constexpr uint32_t header(uint32_t cmd, uint32_t length) { return cmd | length << 16; }

TEST(CommandFraming, AcceptsExactStreams) {
  EXPECT_TRUE(well_framed({}));
  const std::vector<uint32_t> two{header(7, 2), 1, 2, header(0, 0)};
  EXPECT_TRUE(well_framed(two));
}

TEST(CommandFraming, RefusesACommandRunningPastTheEnd) {
  const std::vector<uint32_t> short_body{header(7, 3), 1, 2};
  EXPECT_FALSE(well_framed(short_body));
  const std::vector<uint32_t> huge{header(7, 0xffff)};
  EXPECT_FALSE(well_framed(huge));
  const std::vector<uint32_t> last_bad{header(7, 1), 1, header(5, 2), 9};
  EXPECT_FALSE(well_framed(last_bad));
}

}  // namespace
}  // namespace vugpu::virgl
