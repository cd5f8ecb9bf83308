#include "scattered_rows.hpp"

#include <algorithm>
#include <cstring>

namespace vugpu::pixman {

bool ScatteredRows::copy(uint64_t offset, uint64_t src_stride, size_t row_bytes, uint32_t rows, uint8_t* dst,
                         size_t dst_stride) {
  if (rows == 0 || row_bytes == 0) return true;
  // Whole rows back to back on both sides (a full-width transfer): one run.
  if (src_stride == row_bytes && dst_stride == row_bytes) {
    uint64_t len = 0;
    if (__builtin_mul_overflow(uint64_t{row_bytes}, rows, &len) || len > SIZE_MAX) return false;
    return copy_run(offset, dst, static_cast<size_t>(len));
  }
  for (uint32_t i = 0; i < rows; ++i) {
    uint64_t row_offset = 0;
    if (__builtin_mul_overflow(uint64_t{i}, src_stride, &row_offset) ||
        __builtin_add_overflow(row_offset, offset, &row_offset))
      return false;
    if (!copy_run(row_offset, dst + size_t{i} * dst_stride, row_bytes)) return false;
  }
  return true;
}

bool ScatteredRows::copy_run(uint64_t offset, uint8_t* dst, size_t len) {
  if (offset < index_start_) {  // callers go forward; start over rather than trust it
    index_ = 0;
    index_start_ = 0;
  }
  // Move the cursor forward to the buffer holding `offset`.
  while (index_ < buffers_.size() && offset - index_start_ >= buffers_[index_].iov_len) {
    index_start_ += buffers_[index_].iov_len;
    ++index_;
  }
  size_t i = index_;
  uint64_t in_buffer = offset - index_start_;
  while (len != 0) {
    if (i >= buffers_.size()) return false;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, buffers_[i].iov_len - in_buffer));
    if (n != 0) std::memcpy(dst, static_cast<const uint8_t*>(buffers_[i].iov_base) + in_buffer, n);
    dst += n;
    len -= n;
    ++i;
    in_buffer = 0;
  }
  return true;
}

}  // namespace vugpu::pixman
