// The plugin's row copier against a plain linear model, with buffer boundaries everywhere.
#include <gtest/gtest.h>
#include <numeric>
#include <random>
#include <vector>
#include "scattered_rows.hpp"

namespace vugpu::pixman {
namespace {

// A linear byte image split into buffers of the given sizes (copies, so each is its own allocation).
struct Split {
  Split(const std::vector<uint8_t>& linear, const std::vector<size_t>& sizes) {
    size_t pos = 0;
    for (size_t s : sizes) {
      parts.emplace_back(linear.begin() + pos, linear.begin() + pos + s);
      pos += s;
    }
    for (auto& p : parts) iov.push_back({p.data(), p.size()});
  }
  std::vector<std::vector<uint8_t>> parts;
  std::vector<iovec> iov;
};

std::vector<uint8_t> linear_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), 1);
  return v;
}

// The reference: what copy() must produce.
std::vector<uint8_t> model(const std::vector<uint8_t>& linear, uint64_t offset, uint64_t src_stride, size_t row_bytes,
                           uint32_t rows, size_t dst_stride, std::vector<uint8_t> dst) {
  for (uint32_t r = 0; r < rows; ++r)
    std::copy_n(linear.begin() + offset + r * src_stride, row_bytes, dst.begin() + r * dst_stride);
  return dst;
}

TEST(ScatteredRows, RowsInsideOneBuffer) {
  const auto linear = linear_bytes(400);
  Split s(linear, {400});
  std::vector<uint8_t> dst(4 * 64, 0);
  ScatteredRows rows(s.iov);
  ASSERT_TRUE(rows.copy(8, 100, 40, 4, dst.data(), 64));
  EXPECT_EQ(dst, model(linear, 8, 100, 40, 4, 64, std::vector<uint8_t>(4 * 64, 0)));
}

TEST(ScatteredRows, BoundariesAtEveryPositionAgainstTheModel) {
  std::mt19937 rng(7);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    const size_t total = std::uniform_int_distribution<size_t>(1, 3000)(rng);
    const auto linear = linear_bytes(total);
    std::vector<size_t> sizes;
    for (size_t left = total; left != 0;) {
      // Mostly small pieces, some empty, some large.
      size_t n = std::uniform_int_distribution<size_t>(0, iteration % 3 == 0 ? 7 : 700)(rng);
      n = std::min(n, left);
      sizes.push_back(n);
      left -= n;
    }
    Split s(linear, sizes);
    const size_t row_bytes = std::uniform_int_distribution<size_t>(1, std::min<size_t>(total, 200))(rng);
    const uint64_t src_stride = row_bytes + std::uniform_int_distribution<size_t>(0, 50)(rng) * (iteration % 4 != 0);
    const uint32_t max_rows = static_cast<uint32_t>((total - row_bytes) / src_stride + 1);
    const uint32_t rows = std::uniform_int_distribution<uint32_t>(1, max_rows)(rng);
    const uint64_t max_offset = total - ((rows - 1) * src_stride + row_bytes);
    const uint64_t offset = std::uniform_int_distribution<uint64_t>(0, max_offset)(rng);
    const size_t dst_stride = iteration % 2 ? row_bytes : row_bytes + 12;
    std::vector<uint8_t> dst(rows * dst_stride, 0xee);
    ScatteredRows copier(s.iov);
    ASSERT_TRUE(copier.copy(offset, src_stride, row_bytes, rows, dst.data(), dst_stride)) << iteration;
    ASSERT_EQ(dst, model(linear, offset, src_stride, row_bytes, rows, dst_stride, std::vector<uint8_t>(rows * dst_stride, 0xee)))
        << "iteration " << iteration;
  }
}

TEST(ScatteredRows, PastTheEndFails) {
  const auto linear = linear_bytes(100);
  Split s(linear, {30, 30, 40});
  std::vector<uint8_t> dst(300, 0);
  ScatteredRows a(s.iov);
  EXPECT_FALSE(a.copy(0, 40, 30, 3, dst.data(), 30));  // third row ends at 110
  ScatteredRows b(s.iov);
  EXPECT_FALSE(b.copy(100, 10, 1, 1, dst.data(), 1));
  ScatteredRows c(s.iov);
  EXPECT_FALSE(c.copy(UINT64_MAX, 1, 1, 1, dst.data(), 1));
  ScatteredRows d(s.iov);
  EXPECT_FALSE(d.copy(0, UINT64_MAX, 1, 2, dst.data(), 1));  // the second row's offset wraps
  ScatteredRows e(s.iov);
  EXPECT_TRUE(e.copy(99, 10, 1, 1, dst.data(), 1));
  EXPECT_EQ(dst[0], 100);
}

TEST(ScatteredRows, CallsMayComeInAnyOrder) {
  const auto linear = linear_bytes(64);
  Split s(linear, {16, 16, 16, 16});
  ScatteredRows rows(s.iov);
  uint8_t x = 0;
  ASSERT_TRUE(rows.copy(50, 1, 1, 1, &x, 1));
  EXPECT_EQ(x, 51);
  ASSERT_TRUE(rows.copy(3, 1, 1, 1, &x, 1));  // backwards: must still be right
  EXPECT_EQ(x, 4);
}

TEST(ScatteredRows, NothingToCopy) {
  ScatteredRows rows({});
  EXPECT_TRUE(rows.copy(0, 4, 0, 10, nullptr, 0));
  EXPECT_TRUE(rows.copy(0, 4, 4, 0, nullptr, 0));
  uint8_t x;
  EXPECT_FALSE(rows.copy(0, 4, 1, 1, &x, 1));
}

}  // namespace
}  // namespace vugpu::pixman
