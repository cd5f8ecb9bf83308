// Renderer: the device-wide half of a GPU (pixman for 2D, virgl for 3D).
//
// Threading: every method is called on the device loop thread only, and must not block on the
// guest. A renderer that finishes work later (virgl fences) reports it through
// HostServices::fence_signalled(), also on the device loop thread (e.g. from a fd it watches
// with HostServices::watch_fd()).
//
// The core has validated every argument it can before calling: resource ids exist, 2D formats
// are known, rectangles lie inside the resource, sizes are checked against the limits, the
// backing is bounds-checked. Optional operations return Status::NotSupported by default, which
// the guest sees as VIRTIO_GPU_RESP_ERR_UNSPEC: never a silent success.
#pragma once
#include <cstdint>
#include <span>
#include <vector>
#include "vugpu/frame.hpp"
#include "vugpu/geometry.hpp"
#include "vugpu/resource.hpp"
#include "vugpu/status.hpp"

namespace vugpu {

struct RendererFeatures {
  bool virgl = false;         // offers VIRTIO_GPU_F_VIRGL (3D commands, capsets)
  bool context_init = false;  // offers VIRTIO_GPU_F_CONTEXT_INIT (per-context fence rings)
  uint32_t num_capsets = 0;
};

struct CapsetInfo {
  uint32_t id = 0, max_version = 0, max_size = 0;
};

struct Box3D {
  uint32_t x = 0, y = 0, z = 0, w = 0, h = 0, d = 0;
};

struct Transfer3D {
  uint32_t ctx_id = 0;
  Box3D box;
  uint64_t offset = 0;
  uint32_t level = 0, stride = 0, layer_stride = 0;
};

class Renderer {
 public:
  virtual ~Renderer() = default;

  virtual RendererFeatures features() const { return {}; }

  // --- 2D (required) -------------------------------------------------------------------------
  // Make host storage for res (id, fourcc, width, height set) and hang it on
  // res.renderer_state. Report the host bytes it costs in res.host_bytes.
  virtual Status create_2d(Resource& res) = 0;
  // Called before the core drops the resource (and its renderer_state).
  virtual void destroy(Resource& /*res*/) {}
  // res.backing was just set (attach) or is about to be cleared (detach).
  virtual Status attach_backing(Resource& /*res*/) { return Status::Ok; }
  virtual void detach_backing(Resource& /*res*/) {}
  // Copy `rect` (resource coordinates, inside the resource) from the backing into host storage.
  // `offset` is the byte offset in the backing of the rect's first pixel, as the Linux driver
  // sends it; rows follow at the resource's stride (width * 4). The core checked that the
  // last byte read lies inside res.backing_size.
  virtual Status transfer_to_host_2d(Resource& res, const Rect& rect, uint64_t offset) = 0;
  // Describe res for presenters (CPU pixels and/or dmabuf). `damage` tells a renderer that must
  // read back (3D) which part is needed; it may fill only that part.
  virtual Status frame(Resource& res, const Rect& damage, Frame& out) = 0;

  // --- 3D (optional) -------------------------------------------------------------------------
  virtual Status capset_info(uint32_t /*index*/, CapsetInfo& /*out*/) { return Status::NotSupported; }
  // Fill `out` (already sized to the capset's max_size and zeroed by the core).
  virtual Status capset(uint32_t /*id*/, uint32_t /*version*/, std::span<uint8_t> /*out*/) { return Status::NotSupported; }
  virtual Status create_3d(Resource& /*res*/) { return Status::NotSupported; }
  virtual Status context_create(uint32_t /*ctx_id*/, uint32_t /*context_init*/, std::string_view /*name*/) { return Status::NotSupported; }
  virtual void context_destroy(uint32_t /*ctx_id*/) {}
  virtual Status context_attach(uint32_t /*ctx_id*/, Resource& /*res*/) { return Status::NotSupported; }
  virtual Status context_detach(uint32_t /*ctx_id*/, Resource& /*res*/) { return Status::NotSupported; }
  virtual Status transfer_to_host_3d(Resource& /*res*/, const Transfer3D& /*t*/) { return Status::NotSupported; }
  virtual Status transfer_from_host_3d(Resource& /*res*/, const Transfer3D& /*t*/) { return Status::NotSupported; }
  virtual Status submit_3d(uint32_t /*ctx_id*/, std::span<const uint8_t> /*commands*/) { return Status::NotSupported; }

  // A fenced command was processed. Return true when the renderer will call
  // HostServices::fence_signalled(ctx_id, ring_idx, fence_id) later; false when all earlier
  // work is already complete (2D renderers: always false, the command completes at once).
  // `ring_idx` is valid only when `on_ring` (VIRTIO_GPU_FLAG_INFO_RING_IDX on a context the
  // guest created; the core sets on_ring only when features().context_init).
  // Report a ring fence as fence_signalled(ctx_id, ring_idx, id) and every other fence as
  // fence_signalled(0, 0, id): signalling id completes every pending fence <= id on that
  // timeline. Signalling from inside create_fence() is allowed.
  virtual bool create_fence(uint32_t /*ctx_id*/, bool /*on_ring*/, uint32_t /*ring_idx*/, uint64_t /*fence_id*/) { return false; }

  // The device was reset (the driver reset it, or the VMM went away); the core has already
  // destroyed every resource and context. Forget the fences in flight: none of them may be
  // signalled afterwards, or it would complete a new driver's command that reuses its id.
  virtual void reset() {}
};

}  // namespace vugpu
