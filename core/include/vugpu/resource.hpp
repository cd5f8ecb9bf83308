// A resource as the core owns it. The core keeps the only id table (QEMU's virgl path keeps a
// second one; we don't); a renderer or blob provider hangs its private state on the resource.
// Touched only on the device loop thread.
#pragma once
#include <sys/uio.h>
#include <cstdint>
#include <memory>
#include <vector>

namespace vugpu {

// Base of any plugin's per-resource state; destroyed by the core when the resource goes away
// (after the renderer's destroy() hook), always before the plugin's library is unloaded.
struct ResourceState {
  virtual ~ResourceState() = default;
};

struct Resource3DArgs {
  uint32_t target = 0, format = 0, bind = 0;
  uint32_t width = 0, height = 0, depth = 0;
  uint32_t array_size = 0, last_level = 0, nr_samples = 0, flags = 0;
};

struct Resource {
  uint32_t id = 0;
  bool is_3d = false;
  uint32_t virtio_format = 0;  // 2D: VIRTIO_GPU_FORMAT_*; 3D: the gallium format
  uint32_t fourcc = 0;         // 2D: DRM fourcc; 0 where unknown
  uint32_t width = 0, height = 0;
  Resource3DArgs args3d;       // valid when is_3d

  // Guest backing, translated by the core into host views of guest RAM. Every entry was
  // bounds-checked against the guest memory map; empty when no backing is attached.
  std::vector<iovec> backing;
  uint64_t backing_size = 0;   // sum of backing[i].iov_len, checked

  uint64_t host_bytes = 0;     // host memory charged to this resource against the limit

  std::unique_ptr<ResourceState> renderer_state;
};

}  // namespace vugpu
