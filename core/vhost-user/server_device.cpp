// The server over the real Device. Kept apart from server.cpp so that transport tests, which
// run the server over a GpuBackend of their own, do not need the device linked in.
#include "vhost-user/server.hpp"

namespace vugpu {

namespace {

class DeviceBackend final : public vhost::GpuBackend {
 public:
  explicit DeviceBackend(Device& device) : device_(device) {}
  uint64_t features() const override { return device_.features(); }
  virtio_gpu_config config_space() const override { return device_.config_space(); }
  void set_completion(Device::CompleteFn fn) override { device_.set_completion(std::move(fn)); }
  void submit(QueueId queue, CommandChain chain) override { device_.submit(queue, std::move(chain)); }
  void reset() override { device_.reset(); }
  void memory_changed() override { device_.memory_changed(); }

 private:
  Device& device_;
};

}  // namespace

VhostUserServer::VhostUserServer(EventLoop& loop, Device& device, GuestMemory& memory, Log& log, ServerOptions options)
    : VhostUserServer(loop, std::make_unique<DeviceBackend>(device), memory, log, std::move(options)) {}

}  // namespace vugpu
