#include "protocol/request.hpp"

#include <algorithm>

namespace vugpu::protocol {

Request::Request(std::span<const iovec> readable) : buffers_(readable) {
  for (const iovec& v : readable) {
    if (__builtin_add_overflow(size_, uint64_t{v.iov_len}, &size_)) {
      size_ = UINT64_MAX;
      break;
    }
  }
  // Gather the fixed part, wherever the guest split it.
  const uint64_t head_len = std::min<uint64_t>(size_, head_.size());
  read_at(0, std::span<uint8_t>(head_.data(), head_len));
  if (has_header()) std::memcpy(&header_, head_.data(), sizeof header_);
}

bool Request::read_at(uint64_t offset, std::span<uint8_t> dst) const {
  uint64_t end = 0;
  if (__builtin_add_overflow(offset, uint64_t{dst.size()}, &end) || end > size_) return false;
  PayloadReader reader(buffers_, offset);
  return reader.read(dst);
}

PayloadReader::PayloadReader(std::span<const iovec> buffers, uint64_t offset) : buffers_(buffers) {
  // Skip whole buffers before `offset`.
  while (index_ < buffers_.size() && offset >= buffers_[index_].iov_len) {
    offset -= buffers_[index_].iov_len;
    ++index_;
  }
  in_buffer_ = static_cast<size_t>(offset);  // < iov_len here, or index_ is past the end
}

bool PayloadReader::read(std::span<uint8_t> dst) {
  size_t done = 0;
  while (done < dst.size()) {
    if (index_ >= buffers_.size()) return false;
    const iovec& v = buffers_[index_];
    const size_t n = std::min(dst.size() - done, v.iov_len - in_buffer_);
    if (n != 0) std::memcpy(dst.data() + done, static_cast<const uint8_t*>(v.iov_base) + in_buffer_, n);
    done += n;
    in_buffer_ += n;
    if (in_buffer_ == v.iov_len) {
      ++index_;
      in_buffer_ = 0;
    }
  }
  return true;
}

}  // namespace vugpu::protocol
