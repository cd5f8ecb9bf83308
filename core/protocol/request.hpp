// A request as the guest wrote it: the readable buffers of one descriptor chain, possibly split
// anywhere. The fixed part is gathered into a bounded local copy (kMaxRequestSize bytes); a
// payload after it (attach-backing entries, a SUBMIT_3D command buffer) is read in place with
// read_at() or a PayloadReader, never copied as a whole unless the caller asks.
//
// Only the device loop thread uses it, for as long as the buffers stay mapped.
#pragma once
#include <sys/uio.h>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include "protocol/wire.hpp"

namespace vugpu::protocol {

class Request {
 public:
  explicit Request(std::span<const iovec> readable);

  // Total readable bytes; UINT64_MAX when the buffer lengths overflow 64 bits.
  uint64_t size() const { return size_; }
  // True when at least a control header is present (else header() is all zero).
  bool has_header() const { return size_ >= sizeof(virtio_gpu_ctrl_hdr); }
  const virtio_gpu_ctrl_hdr& header() const { return header_; }
  uint32_t type() const { return header_.type; }

  // Copies the fixed struct T from the start of the request; false when the request is shorter.
  template <typename T>
  bool read(T& out) const {
    static_assert(kIsWireStruct<T> && sizeof(T) <= kMaxRequestSize);
    if (size_ < sizeof(T)) return false;
    std::memcpy(&out, head_.data(), sizeof(T));
    return true;
  }

  // Copies dst.size() bytes starting at `offset`; false (dst unspecified) when the request
  // holds fewer bytes.
  bool read_at(uint64_t offset, std::span<uint8_t> dst) const;

  std::span<const iovec> buffers() const { return buffers_; }

 private:
  std::span<const iovec> buffers_;
  uint64_t size_ = 0;
  std::array<uint8_t, kMaxRequestSize> head_{};
  virtio_gpu_ctrl_hdr header_{};
};

// Reads a payload sequentially (e.g. one mem entry after another) without rescanning the
// buffers for each read: O(buffers + bytes) for the whole payload.
class PayloadReader {
 public:
  PayloadReader(std::span<const iovec> buffers, uint64_t offset);

  // Copies dst.size() bytes and advances; false when the buffers end first.
  bool read(std::span<uint8_t> dst);
  template <typename T>
  bool read(T& out) {
    static_assert(kIsWireStruct<T>);
    return read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&out), sizeof(T)));
  }

 private:
  std::span<const iovec> buffers_;
  size_t index_ = 0;      // current buffer
  size_t in_buffer_ = 0;  // offset inside it
};

}  // namespace vugpu::protocol
