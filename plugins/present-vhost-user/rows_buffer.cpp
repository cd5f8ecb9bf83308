#include "rows_buffer.hpp"

#include <sys/mman.h>

namespace vugpu::present_vhost_user {

std::unique_ptr<RowsBuffer> RowsBuffer::map(size_t bytes) {
  if (bytes == 0) bytes = 1;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  return std::unique_ptr<RowsBuffer>(new RowsBuffer(static_cast<uint8_t*>(p), bytes));
}

RowsBuffer::~RowsBuffer() { ::munmap(data_, size_); }

}  // namespace vugpu::present_vhost_user
