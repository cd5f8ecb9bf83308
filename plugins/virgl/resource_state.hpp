// What renderer.virgl hangs on a vugpu::Resource: the virglrenderer resource of the same id
// (virglrenderer's handles are the guest's ids; the core's table stays the only table), the
// iovec array virglrenderer reads the guest backing through, and the host buffer a CPU
// readback fills for presenters.
//
// virglrenderer keeps the iovec pointer it is given until detach, so the array lives here,
// not in the core's Resource (which may reallocate it).
//
// Threading: device loop thread only.
#pragma once
#include <sys/uio.h>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>
#include "dmabuf_export.hpp"
#include "vugpu/resource.hpp"
#include "vugpu/status.hpp"

namespace vugpu::virgl {

class VirglLibrary;

class VirglResourceState final : public ResourceState {
 public:
  // Takes over the virglrenderer resource `id` (already created). `library` is watched, not
  // owned: once virglrenderer is gone there is nothing left to release.
  VirglResourceState(std::weak_ptr<VirglLibrary> library, uint32_t id) : library_(std::move(library)), id_(id) {}
  ~VirglResourceState() override { release(); }
  VirglResourceState(const VirglResourceState&) = delete;
  VirglResourceState& operator=(const VirglResourceState&) = delete;

  // Detach the backing and unref the virglrenderer resource. Idempotent.
  void release();

  Status attach_backing(std::span<const iovec> backing);
  void detach_backing();
  bool has_backing() const { return !backing_.empty(); }

  // Host copy of the resource for presenters: width*height*4 bytes, zero-filled when first
  // made so no byte a presenter sees is ever uninitialised. nullptr when out of memory.
  uint8_t* readback_buffer(uint64_t size);

  std::optional<DmabufExport>& dmabuf() { return dmabuf_; }
  bool dmabuf_failed = false;  // tried once, fell back to readback for good

 private:
  bool library_alive() const { return !library_.expired(); }

  std::weak_ptr<VirglLibrary> library_;
  uint32_t id_;
  bool released_ = false;
  std::vector<iovec> backing_;
  std::vector<uint8_t> readback_;
  std::optional<DmabufExport> dmabuf_;
};

}  // namespace vugpu::virgl
