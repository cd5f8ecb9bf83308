// The buffer converted rows are sent from: a mapping of its own, never the heap.
//
// Why: a large UPDATE goes to the VMM by reference (spliced pages, core/vhost-user/spliced_send),
// and when the display channel gives up on a VMM that stopped reading, those pages stay in the
// VMM's socket queue until it reads or closes, while the presenter frees or reuses the buffer.
// Pages of a private mapping are only ever this buffer's rows: after munmap the kernel keeps
// them, unchanged, for as long as the socket holds them, and never hands them to other data.
// Heap pages would be reused for whatever the daemon allocates next, which the VMM could read.
//
// Device loop thread only (the presenter's thread); the bytes are read by the kernel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace vugpu::present_vhost_user {

class RowsBuffer {
 public:
  // Null when the kernel refused the mapping.
  static std::unique_ptr<RowsBuffer> map(size_t bytes);
  ~RowsBuffer();
  RowsBuffer(const RowsBuffer&) = delete;
  RowsBuffer& operator=(const RowsBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  RowsBuffer(uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t* data_;
  size_t size_;
};

}  // namespace vugpu::present_vhost_user
