// The display-channel fuzz target's entry point with any compiler (fast suite): its corpus and
// seeded random mutations of it.
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include "display_channel_fuzz.hpp"

namespace vugpu::fuzz {
namespace {

TEST(DisplayChannelFuzzReplay, CorpusAndMutations) {
  std::mt19937 rng(11);
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(VUGPU_DISPLAY_CHANNEL_CORPUS_DIR)) {
    std::ifstream f(entry.path(), std::ios::binary);
    const std::vector<uint8_t> seed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(run_display_channel_input(seed), "") << entry.path();
    ++n;
    for (int round = 0; round < 300 && !seed.empty(); ++round) {
      std::vector<uint8_t> input = seed;
      for (int flips = 1 + int(rng() % 6); flips > 0; --flips) input[rng() % input.size()] = uint8_t(rng());
      ASSERT_EQ(run_display_channel_input(input), "") << entry.path() << " round " << round;
    }
  }
  EXPECT_GE(n, 2u);
}

// The QEMU seed reaches the parsers: its answers are taken.
TEST(DisplayChannelFuzzReplay, QemuSeedIsAnswered) {
  std::ifstream f(std::filesystem::path(VUGPU_DISPLAY_CHANNEL_CORPUS_DIR) / "qemu", std::ios::binary);
  const std::vector<uint8_t> seed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  DisplayChannelSummary s;
  ASSERT_EQ(run_display_channel_input(seed, &s, 500), "");  // every answer taken, however loaded the machine
  EXPECT_EQ(s.display_info_ok, 1u);
  EXPECT_EQ(s.first_width, 1280u);
  EXPECT_EQ(s.edid_ok, 1u);
  EXPECT_EQ(s.updates_ok, 1u);
}

}  // namespace
}  // namespace vugpu::fuzz
