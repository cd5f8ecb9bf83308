// core/protocol: request gathering, payload reads, response header and writing.
#include <gtest/gtest.h>
#include <cstring>
#include <numeric>
#include <vector>
#include "protocol/request.hpp"
#include "protocol/response.hpp"

namespace vugpu::protocol {
namespace {

std::vector<uint8_t> create_2d_bytes() {
  virtio_gpu_resource_create_2d c;
  std::memset(&c, 0, sizeof c);
  c.hdr.type = VIRTIO_GPU_CMD_RESOURCE_CREATE_2D;
  c.hdr.flags = VIRTIO_GPU_FLAG_FENCE;
  c.hdr.fence_id = 0x1122334455667788;
  c.resource_id = 42;
  c.format = 2;
  c.width = 640;
  c.height = 480;
  std::vector<uint8_t> b(sizeof c);
  std::memcpy(b.data(), &c, sizeof c);
  return b;
}

TEST(Request, GathersAStructSplitIntoSingleBytes) {
  auto bytes = create_2d_bytes();
  std::vector<iovec> iov;
  for (auto& b : bytes) iov.push_back({&b, 1});
  const Request r(iov);
  EXPECT_EQ(r.size(), bytes.size());
  ASSERT_TRUE(r.has_header());
  EXPECT_EQ(r.type(), uint32_t{VIRTIO_GPU_CMD_RESOURCE_CREATE_2D});
  EXPECT_EQ(r.header().fence_id, 0x1122334455667788u);
  virtio_gpu_resource_create_2d c;
  ASSERT_TRUE(r.read(c));
  EXPECT_EQ(c.resource_id, 42u);
  EXPECT_EQ(c.width, 640u);
  EXPECT_EQ(c.height, 480u);
}

TEST(Request, SkipsEmptyBuffers) {
  auto bytes = create_2d_bytes();
  std::vector<iovec> iov{{nullptr, 0}, {bytes.data(), 5}, {nullptr, 0}, {bytes.data() + 5, bytes.size() - 5}};
  const Request r(iov);
  virtio_gpu_resource_create_2d c;
  ASSERT_TRUE(r.read(c));
  EXPECT_EQ(c.height, 480u);
}

TEST(Request, ShorterThanAHeaderHasNone) {
  auto bytes = create_2d_bytes();
  std::vector<iovec> iov{{bytes.data(), sizeof(virtio_gpu_ctrl_hdr) - 1}};
  const Request r(iov);
  EXPECT_FALSE(r.has_header());
  EXPECT_EQ(r.type(), 0u);
}

TEST(Request, ReadFailsWhenShorterThanTheStruct) {
  auto bytes = create_2d_bytes();
  std::vector<iovec> iov{{bytes.data(), bytes.size() - 1}};
  const Request r(iov);
  EXPECT_TRUE(r.has_header());
  virtio_gpu_resource_create_2d c;
  EXPECT_FALSE(r.read(c));
}

TEST(Request, TotalSizeSaturatesInsteadOfWrapping) {
  std::vector<uint8_t> real(128, 0);
  std::vector<iovec> iov{{real.data(), real.size()}, {real.data(), SIZE_MAX}};
  const Request r(iov);
  EXPECT_EQ(r.size(), UINT64_MAX);
}

TEST(Request, ReadAtCrossesBuffersAndRefusesPastTheEnd) {
  std::vector<uint8_t> a(30), b(7), c(50);
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 30);
  std::iota(c.begin(), c.end(), 37);
  std::vector<iovec> iov{{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
  const Request r(iov);
  std::vector<uint8_t> out(20);
  ASSERT_TRUE(r.read_at(25, out));
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], 25 + i);
  std::vector<uint8_t> tail(2);
  EXPECT_TRUE(r.read_at(85, tail));
  EXPECT_FALSE(r.read_at(86, tail));
  EXPECT_FALSE(r.read_at(UINT64_MAX, tail));
}

TEST(PayloadReader, ReadsSequentiallyAcrossBuffersAndStopsAtTheEnd) {
  std::vector<uint8_t> a(5), b(3);
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 5);
  std::vector<iovec> iov{{a.data(), a.size()}, {b.data(), b.size()}};
  PayloadReader reader(iov, 2);
  uint8_t x[4];
  ASSERT_TRUE(reader.read(std::span<uint8_t>(x, 4)));
  EXPECT_EQ(x[0], 2);
  EXPECT_EQ(x[3], 5);
  ASSERT_TRUE(reader.read(std::span<uint8_t>(x, 2)));
  EXPECT_EQ(x[1], 7);
  EXPECT_FALSE(reader.read(std::span<uint8_t>(x, 1)));
}

TEST(Response, EveryStatusMapsToItsError) {
  EXPECT_EQ(response_type(Status::Ok), uint32_t{VIRTIO_GPU_RESP_OK_NODATA});
  EXPECT_EQ(response_type(Status::Unspec), uint32_t{VIRTIO_GPU_RESP_ERR_UNSPEC});
  EXPECT_EQ(response_type(Status::OutOfMemory), uint32_t{VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY});
  EXPECT_EQ(response_type(Status::InvalidScanoutId), uint32_t{VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID});
  EXPECT_EQ(response_type(Status::InvalidResourceId), uint32_t{VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID});
  EXPECT_EQ(response_type(Status::InvalidContextId), uint32_t{VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID});
  EXPECT_EQ(response_type(Status::InvalidParameter), uint32_t{VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER});
  EXPECT_EQ(response_type(Status::NotSupported), uint32_t{VIRTIO_GPU_RESP_ERR_UNSPEC});
}

TEST(Response, HeaderEchoesTheFence) {
  virtio_gpu_ctrl_hdr req{};
  req.type = VIRTIO_GPU_CMD_SUBMIT_3D;
  req.flags = VIRTIO_GPU_FLAG_FENCE;
  req.fence_id = 77;
  req.ctx_id = 5;
  req.ring_idx = 3;  // without INFO_RING_IDX it means nothing
  const auto h = response_header(req, VIRTIO_GPU_RESP_OK_NODATA);
  EXPECT_EQ(h.type, uint32_t{VIRTIO_GPU_RESP_OK_NODATA});
  EXPECT_EQ(h.flags, uint32_t{VIRTIO_GPU_FLAG_FENCE});
  EXPECT_EQ(h.fence_id, 77u);
  EXPECT_EQ(h.ctx_id, 5u);
  EXPECT_EQ(h.ring_idx, 0u);

  req.flags |= VIRTIO_GPU_FLAG_INFO_RING_IDX;
  const auto r = response_header(req, VIRTIO_GPU_RESP_ERR_UNSPEC);
  EXPECT_EQ(r.flags, uint32_t{VIRTIO_GPU_FLAG_FENCE | VIRTIO_GPU_FLAG_INFO_RING_IDX});
  EXPECT_EQ(r.ring_idx, 3u);
  EXPECT_EQ(r.type, uint32_t{VIRTIO_GPU_RESP_ERR_UNSPEC});
}

TEST(Response, HeaderWithoutFenceIsZeroButTheType) {
  virtio_gpu_ctrl_hdr req{};
  req.flags = VIRTIO_GPU_FLAG_INFO_RING_IDX;  // no FENCE: nothing is echoed
  req.fence_id = 9;
  req.ctx_id = 4;
  req.ring_idx = 2;
  const auto h = response_header(req, VIRTIO_GPU_RESP_OK_NODATA);
  virtio_gpu_ctrl_hdr expected{};
  expected.type = VIRTIO_GPU_RESP_OK_NODATA;
  EXPECT_EQ(std::memcmp(&h, &expected, sizeof h), 0);
}

TEST(Response, WriteSpreadsOverBuffersAndTruncatesToTheRoom) {
  std::vector<uint8_t> bytes(40);
  std::iota(bytes.begin(), bytes.end(), 1);
  std::vector<uint8_t> a(7, 0xee), b(0), c(100, 0xee);
  std::vector<iovec> iov{{a.data(), a.size()}, {b.data(), 0}, {c.data(), c.size()}};
  EXPECT_EQ(write_response(iov, bytes), 40u);
  EXPECT_EQ(a[6], 7);
  EXPECT_EQ(c[0], 8);
  EXPECT_EQ(c[32], 40);
  EXPECT_EQ(c[33], 0xee);  // nothing past the response

  std::vector<uint8_t> small(10, 0xee);
  std::vector<iovec> one{{small.data(), small.size()}};
  EXPECT_EQ(write_response(one, bytes), 10u);
  EXPECT_EQ(small[9], 10);
  EXPECT_EQ(write_response({}, bytes), 0u);
}

}  // namespace
}  // namespace vugpu::protocol
