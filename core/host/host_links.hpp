// What every HostServices of one daemon shares: the late-bound links to the VMM display
// channel and the device (both created after the plugins, which need HostServices in their
// factories), and the counter of bytes copied.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include "vugpu/host.hpp"

namespace vugpu {

struct HostLinks {
  // Set once at start-up on the main thread, before the loop runs; read on the loop thread.
  std::function<VmmDisplay*()> vmm_display;                            // VhostUserServer::vmm_display
  std::function<void(uint32_t, uint32_t, uint64_t)> fence_signalled;  // Device::fence_signalled
  // Device::prefer_mode, then the server's display event when the modes changed.
  std::function<void(uint32_t, const DisplayMode&)> display_mode_wanted;

  // The daemon's exit status once its loop stops: the highest HostServices::request_stop asked
  // for (0 when none did). Written and read on the loop thread.
  int exit_status = 0;

  // HostServices::count_copy adds here (any thread). Read by the stats dump and benchmarks.
  std::atomic<uint64_t> bytes_copied{0};
  // The part of bytes_copied that presenters copied (a presenter's own HostServices counts
  // here too): the rest is the device's (renderer, blob provider), which a blob flush keeps at 0.
  std::atomic<uint64_t> presenter_bytes_copied{0};
};

}  // namespace vugpu
