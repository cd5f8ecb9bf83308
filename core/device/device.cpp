// Device: the transport-facing API, forwarding to Device::Impl (device_impl.hpp).
#include "device/device.hpp"

#include "device/device_impl.hpp"

namespace vugpu {

Device::Device(DeviceSettings settings, Renderer& renderer, std::vector<Presenter*> presenters,
               const GuestMemory& memory, HostServices& host, BlobProvider* blob)
    : impl_(std::make_unique<Impl>(std::move(settings), renderer, std::move(presenters), memory, host, blob)) {}

Device::~Device() = default;

uint64_t Device::features() const {
  uint64_t bits = 0;
  if (impl_->settings_.edid) bits |= uint64_t{1} << VIRTIO_GPU_F_EDID;
  const RendererFeatures& rf = impl_->renderer_features_;
  if (rf.virgl) bits |= uint64_t{1} << VIRTIO_GPU_F_VIRGL;
  if (rf.context_init) bits |= uint64_t{1} << VIRTIO_GPU_F_CONTEXT_INIT;
  if (impl_->blobs_served()) bits |= uint64_t{1} << VIRTIO_GPU_F_RESOURCE_BLOB;
  return bits;
}

virtio_gpu_config Device::config_space() const {
  virtio_gpu_config c = zeroed<virtio_gpu_config>();
  c.num_scanouts = impl_->configured_scanouts_;
  c.num_capsets = impl_->renderer_features_.num_capsets;
  return c;
}

void Device::set_completion(CompleteFn fn) { impl_->complete_ = std::move(fn); }

void Device::submit(QueueId queue, CommandChain chain) { impl_->submit(queue, std::move(chain)); }

void Device::fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id) {
  impl_->fence_signalled(ctx_id, ring_idx, fence_id);
}

void Device::memory_changed() { impl_->memory_changed(); }

bool Device::prefer_mode(uint32_t scanout_id, const DisplayMode& mode) { return impl_->prefer_mode(scanout_id, mode); }

void Device::reset() { impl_->reset(); }

DeviceStats Device::stats() const {
  DeviceStats s = impl_->stats_;
  s.resources = impl_->resources_.size();
  s.host_bytes = impl_->resources_.charged_bytes();
  s.blob_views = impl_->blob_views_.views();
  s.blob_mappings = impl_->blob_views_.mappings();
  return s;
}

}  // namespace vugpu
