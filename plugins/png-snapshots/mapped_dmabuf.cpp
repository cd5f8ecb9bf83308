#include "mapped_dmabuf.hpp"

#include <drm_fourcc.h>
#include <sys/mman.h>

namespace vugpu::snapshots {

MappedDmabuf::MappedDmabuf(const Frame& frame) {
  if (frame.dmabuf_fd < 0 || frame.modifier != DRM_FORMAT_MOD_LINEAR) return;
  offset_ = frame.dmabuf_offset;
  length_ = offset_ + uint64_t{frame.stride} * frame.height;
  void* p = ::mmap(nullptr, length_, PROT_READ, MAP_SHARED, frame.dmabuf_fd, 0);
  base_ = p == MAP_FAILED ? nullptr : static_cast<const uint8_t*>(p);
}

MappedDmabuf::~MappedDmabuf() {
  if (base_) ::munmap(const_cast<uint8_t*>(base_), length_);
}

}  // namespace vugpu::snapshots
