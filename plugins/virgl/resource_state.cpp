#include "resource_state.hpp"

#include <exception>
#include "virgl_api.hpp"

namespace vugpu::virgl {

void VirglResourceState::release() {
  if (released_) return;
  released_ = true;
  dmabuf_.reset();
  if (library_alive()) {
    detach_backing();
    virgl_renderer_resource_unref(id_);
  }
  backing_.clear();
}

Status VirglResourceState::attach_backing(std::span<const iovec> backing) {
  if (released_ || !library_alive()) return Status::InvalidResourceId;
  if (backing.empty() || backing.size() > size_t(INT32_MAX)) return Status::InvalidParameter;
  if (has_backing()) detach_backing();  // virglrenderer refuses a second attach
  try {
    backing_.assign(backing.begin(), backing.end());
  } catch (const std::bad_alloc&) {
    return Status::OutOfMemory;
  }
  const int ret = virgl_renderer_resource_attach_iov(int(id_), backing_.data(), int(backing_.size()));
  if (ret != 0) {
    backing_.clear();
    return status_from_virgl(ret);
  }
  return Status::Ok;
}

void VirglResourceState::detach_backing() {
  if (!has_backing()) return;
  if (library_alive()) virgl_renderer_resource_detach_iov(int(id_), nullptr, nullptr);
  backing_.clear();
  backing_.shrink_to_fit();
}

uint8_t* VirglResourceState::readback_buffer(uint64_t size) {
  if (readback_.size() != size) {
    try {
      readback_.assign(size, 0);
    } catch (const std::exception&) {  // bad_alloc, or length_error past max_size()
      readback_.clear();
      return nullptr;
    }
  }
  return readback_.data();
}

}  // namespace vugpu::virgl
