// A read-only CPU mapping of a linear dmabuf, for presenters that read a frame which has no CPU
// pixels (and cannot import it into a GPU). RAII: unmapped when it goes. Any thread.
#pragma once
#include <cstdint>
#include "vugpu/frame.hpp"

namespace vugpu::snapshots {

class MappedDmabuf {
 public:
  // Maps the frame's dmabuf when it is linear; data() is null when it is not, or mmap failed.
  explicit MappedDmabuf(const Frame& frame);
  ~MappedDmabuf();
  MappedDmabuf(const MappedDmabuf&) = delete;
  MappedDmabuf& operator=(const MappedDmabuf&) = delete;

  // Row 0 of the resource (the dmabuf offset already applied), or null.
  const uint8_t* data() const { return base_ ? base_ + offset_ : nullptr; }

 private:
  uint64_t length_ = 0, offset_ = 0;
  const uint8_t* base_ = nullptr;
};

}  // namespace vugpu::snapshots
