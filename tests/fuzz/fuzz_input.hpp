// What the command-level fuzz targets (device_fuzz.cpp, blob_fuzz.cpp) share: the reader of
// the fuzzer's bytes, a log that formats every line and keeps none, and what a response type
// may be. The fuzzing thread only.
#pragma once
#include <linux/virtio_gpu.h>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>
#include "vugpu/log.hpp"

namespace vugpu::fuzz {

// Reads the input front to back; past its end every read is 0 (an input of any length is a
// whole session).
class Input {
 public:
  explicit Input(std::span<const uint8_t> d) : data_(d) {}
  bool empty() const { return pos_ >= data_.size(); }
  uint8_t u8() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  // Little-endian; each read sequenced (operands of | are evaluated in no fixed order).
  uint16_t u16() {
    const uint16_t lo = u8();
    return uint16_t(lo | (u8() << 8));
  }
  uint32_t u32() {
    const uint32_t lo = u16();
    return lo | (uint32_t{u16()} << 16);
  }
  uint64_t u64() {
    const uint64_t lo = u32();
    return lo | (uint64_t{u32()} << 32);
  }
  std::vector<uint8_t> bytes(size_t n) {
    n = std::min(n, data_.size() - std::min(pos_, data_.size()));
    std::vector<uint8_t> out(data_.begin() + pos_, data_.begin() + pos_ + n);
    pos_ += n;
    return out;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Formats every line (so the formatting paths run) and keeps none; VUGPU_FUZZ_VERBOSE=1
// prints them (to see what a crashing input does).
class DiscardingLog final : public Log {
 public:
  void write(LogLevel, std::string_view message) override {
    bytes += message.size();
    if (verbose) std::fprintf(stderr, "%.*s\n", int(message.size()), message.data());
  }
  bool enabled(LogLevel) const override { return true; }
  uint64_t bytes = 0;
  const bool verbose = std::getenv("VUGPU_FUZZ_VERBOSE") != nullptr;
};

inline bool is_response_type(uint32_t t) {
  return (t >= VIRTIO_GPU_RESP_OK_NODATA && t <= VIRTIO_GPU_RESP_OK_MAP_INFO) ||
         (t >= VIRTIO_GPU_RESP_ERR_UNSPEC && t <= VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
}

}  // namespace vugpu::fuzz
