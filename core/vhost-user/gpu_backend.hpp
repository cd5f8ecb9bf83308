// What the vhost-user transport needs of the virtio-gpu device. Device provides it (see
// device_backend.cpp); transport tests plug in a small device of their own, so the transport
// can be tested without a renderer or presenters. Device loop thread only.
#pragma once
#include <linux/virtio_gpu.h>
#include <cstdint>
#include "device/device.hpp"

namespace vugpu::vhost {

class GpuBackend {
 public:
  virtual ~GpuBackend() = default;
  virtual uint64_t features() const = 0;                 // VIRTIO_GPU_F_* offered to the driver
  virtual virtio_gpu_config config_space() const = 0;
  virtual void set_completion(Device::CompleteFn fn) = 0;
  virtual void submit(QueueId queue, CommandChain chain) = 0;
  virtual void reset() = 0;                              // drops every command in flight
  virtual void memory_changed() {}                       // the guest memory map changed (blob views)
};

}  // namespace vugpu::vhost
