// The blob fuzz target's entry point with any compiler (fast suite): the checked-in corpus
// (seeds from make_blob_corpus.py and regression inputs), what the seeds must reach, and seeded
// random mutations of them.
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include "blob_fuzz.hpp"

namespace vugpu::fuzz {
namespace {

std::vector<uint8_t> read(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::filesystem::path corpus() { return VUGPU_BLOB_CORPUS_DIR; }

TEST(BlobFuzzReplay, Corpus) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus())) {
    EXPECT_EQ(run_blob_input(read(entry.path())), "") << entry.path();
    ++n;
  }
  EXPECT_GE(n, 4u) << "no corpus in " << corpus();
}

// The seeds are real sessions: they must get through, or the target fuzzes only error paths.
TEST(BlobFuzzReplay, SeedsReachTheBlobPaths) {
  const BlobRunSummary linux_blob = run_blob_input_summary(read(corpus() / "linux-blob"));
  EXPECT_EQ(linux_blob.broken, "");
  EXPECT_EQ(linux_blob.errors, 0u);  // a valid guest session: every command succeeds
  EXPECT_EQ(linux_blob.blobs_created, 3u);
  EXPECT_EQ(linux_blob.blob_scanouts_set, 2u);
  EXPECT_EQ(linux_blob.blob_frames_presented, 2u);
  EXPECT_EQ(linux_blob.cursor_images, 1u);
  const BlobRunSummary split = run_blob_input_summary(read(corpus() / "split-regions-gather"));
  EXPECT_EQ(split.broken, "");
  EXPECT_EQ(split.errors, 0u);
  EXPECT_EQ(split.blob_frames_presented, 1u);
  const BlobRunSummary unplug = run_blob_input_summary(read(corpus() / "unplug-under-a-shown-blob"));
  EXPECT_EQ(unplug.broken, "");
  EXPECT_EQ(unplug.blob_frames_presented, 1u);  // the flush after the unplug shows nothing
  EXPECT_GE(unplug.errors, 1u);
  const BlobRunSummary hostile = run_blob_input_summary(read(corpus() / "hostile"));
  EXPECT_EQ(hostile.broken, "");
  EXPECT_EQ(hostile.blobs_created, 1u);
  EXPECT_GE(hostile.errors, 12u);
}

TEST(BlobFuzzReplay, Mutations) {
  std::mt19937 rng(20261202);
  uint64_t created = 0, frames = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus())) {
    const std::vector<uint8_t> seed = read(entry.path());
    for (int round = 0; round < 300 && !seed.empty(); ++round) {
      std::vector<uint8_t> input = seed;
      for (int flips = 1 + int(rng() % 4); flips > 0; --flips) input[rng() % input.size()] = uint8_t(rng());
      const BlobRunSummary r = run_blob_input_summary(input);
      ASSERT_EQ(r.broken, "") << entry.path() << " round " << round;
      created += r.blobs_created;
      frames += r.blob_frames_presented;
    }
  }
  // Deterministic (fixed seed): they drop when mutations stop reaching the blob paths.
  std::printf("mutations: %llu blobs created, %llu blob frames presented\n", (unsigned long long)created,
              (unsigned long long)frames);
  EXPECT_GT(created, 300u);
  EXPECT_GT(frames, 100u);
}

TEST(BlobFuzzReplay, RandomAndTinyInputs) {
  std::mt19937 rng(7);
  for (int seed = 0; seed < 300; ++seed) {
    std::vector<uint8_t> bytes(std::uniform_int_distribution<size_t>(1, 3000)(rng));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    ASSERT_EQ(run_blob_input(bytes), "") << "seed " << seed;
  }
  EXPECT_EQ(run_blob_input({}), "");
  for (int b = 0; b < 256; ++b) {
    const uint8_t two[2] = {uint8_t(b), uint8_t(b * 7)};
    EXPECT_EQ(run_blob_input(two), "") << b;
  }
}

}  // namespace
}  // namespace vugpu::fuzz
