// The virtio-gpu device, transport-free: it takes one command (a descriptor chain already
// translated to host views by the transport) and completes it, now or later, by calling the
// completion callback with the bytes it wrote. It owns every piece of state the guest can name:
// resources, backing, scanouts, cursor, contexts, fences.
//
// Threading: device loop thread only (no locks). It never blocks on a presenter: a
// RESOURCE_FLUSH completes when every presenter released the frame.
//
// Completion order: on each queue, commands complete in the order they were submitted (a
// command that waits holds back the ones after it), so fences complete in order.
#pragma once
#include <sys/uio.h>
#include <linux/virtio_gpu.h>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>
#include "device/settings.hpp"
#include "memory/guest_memory.hpp"
#include "vugpu/host.hpp"
#include "vugpu/presenter.hpp"
#include "vugpu/renderer.hpp"

namespace vugpu {

enum class QueueId : uint32_t { Control = 0, Cursor = 1 };

struct CommandChain {
  uint16_t head = 0;             // the transport's token, handed back on completion
  std::vector<iovec> readable;   // the request, possibly split over several buffers
  std::vector<iovec> writable;   // room for the response
};

struct DeviceStats {
  uint64_t commands = 0, errors = 0;
  uint64_t frames_presented = 0;
  uint64_t resources = 0, host_bytes = 0;
};

class Device {
 public:
  using CompleteFn = std::function<void(QueueId queue, uint16_t head, uint32_t bytes_written)>;

  // renderer, presenters, memory and host outlive the device.
  Device(DeviceSettings settings, Renderer& renderer, std::vector<Presenter*> presenters,
         const GuestMemory& memory, HostServices& host);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  uint64_t features() const;                 // VIRTIO_GPU_F_* bits this device offers
  virtio_gpu_config config_space() const;    // num_scanouts, num_capsets
  void set_completion(CompleteFn fn);

  void submit(QueueId queue, CommandChain chain);

  // A renderer fence completed (HostServices::fence_signalled lands here).
  void fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id);

  // The driver reset the device or the VMM went away: drop every resource, scanout, context
  // and pending command (pending commands are not completed: their queues are gone).
  void reset();

  DeviceStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vugpu
