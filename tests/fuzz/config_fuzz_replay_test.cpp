// The config fuzz target's entry point with any compiler (fast suite): its corpus, and seeded
// random mutations of it.
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include "config_fuzz.hpp"

namespace vugpu::fuzz {
namespace {

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {(std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>()};
}

TEST(ConfigFuzzReplay, CorpusAndMutations) {
  std::mt19937 rng(7);
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(VUGPU_CONFIG_CORPUS_DIR)) {
    const std::vector<uint8_t> seed = read_file(entry.path());
    EXPECT_EQ(run_config_input(seed), "") << entry.path();
    ++n;
    for (int round = 0; round < 300 && !seed.empty(); ++round) {
      std::vector<uint8_t> input = seed;
      for (int flips = 1 + int(rng() % 6); flips > 0; --flips) input[rng() % input.size()] = uint8_t(rng() % 128);
      ASSERT_EQ(run_config_input(input), "") << entry.path() << " round " << round;
    }
  }
  EXPECT_GE(n, 3u);
}

}  // namespace
}  // namespace vugpu::fuzz
