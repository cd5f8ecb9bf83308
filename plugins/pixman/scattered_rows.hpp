// Copies rows of pixels out of a guest backing that is scattered over many host buffers (one
// per guest page or run of pages). Rows may start and end anywhere, including across buffer
// boundaries. Each row is one memcpy when it lies inside one buffer, split at the boundaries
// otherwise; rows that follow each other without a gap on both sides are copied as one run.
// No per-pixel work. Not thread-safe; one per transfer.
#pragma once
#include <sys/uio.h>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vugpu::pixman {

class ScatteredRows {
 public:
  explicit ScatteredRows(std::span<const iovec> buffers) : buffers_(buffers) {}

  // Copies `rows` rows of `row_bytes`: source row i starts at byte `offset + i * src_stride` of
  // the backing, destination row i at `dst + i * dst_stride`. Offsets must not decrease from
  // one call to the next. False, with the rows before it copied, when a byte lies past the end.
  bool copy(uint64_t offset, uint64_t src_stride, size_t row_bytes, uint32_t rows, uint8_t* dst, size_t dst_stride);

 private:
  bool copy_run(uint64_t offset, uint8_t* dst, size_t len);

  std::span<const iovec> buffers_;
  size_t index_ = 0;        // buffer under the cursor
  uint64_t index_start_ = 0;  // backing offset of its first byte
};

}  // namespace vugpu::pixman
