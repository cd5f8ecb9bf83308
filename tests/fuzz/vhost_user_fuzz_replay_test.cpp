// The vhost-user fuzz target's entry point with any compiler (fast suite): the checked-in
// corpus, a check that the seeds reach the device, and seeded random mutations of them.
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include "test_support.hpp"
#include "vhost_user_fuzz.hpp"

namespace vugpu::fuzz {
namespace {

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {(std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>()};
}

TEST(VhostUserFuzzReplay, Corpus) {
  const size_t fds_before = test::open_fd_count();
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(VUGPU_VHOST_USER_CORPUS_DIR)) {
    EXPECT_EQ(run_vhost_user_input(read_file(entry.path())), "") << entry.path();
    ++n;
  }
  EXPECT_GE(n, 4u) << "no corpus in " << VUGPU_VHOST_USER_CORPUS_DIR;
  EXPECT_LE(test::open_fd_count(), fds_before + 1) << "fds leaked (the fuzz RAM memfd is kept)";
}

TEST(VhostUserFuzzReplay, MutatedSeeds) {
  std::mt19937 rng(13);
  const std::filesystem::path dir = VUGPU_VHOST_USER_CORPUS_DIR;
  for (const char* name : {"boot-command", "boot-indirect", "hostile"}) {
    const std::vector<uint8_t> seed = read_file(dir / name);
    ASSERT_FALSE(seed.empty()) << name;
    for (int round = 0; round < 200; ++round) {
      std::vector<uint8_t> input = seed;
      for (int flips = 1 + int(rng() % 8); flips > 0; --flips) input[rng() % input.size()] = uint8_t(rng());
      ASSERT_EQ(run_vhost_user_input(input), "") << name << " round " << round;
    }
  }
}

}  // namespace
}  // namespace vugpu::fuzz
