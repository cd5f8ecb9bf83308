#include "host/loop_host_services.hpp"

#include <algorithm>

namespace vugpu {

LoopHostServices::~LoopHostServices() {
  for (WatchId id : watches_) loop_.unwatch(id);
}

HostServices::WatchId LoopHostServices::watch_fd(int fd, std::function<void()> on_readable) {
  const WatchId id = loop_.watch(fd, std::move(on_readable));
  watches_.insert(id);
  return id;
}

void LoopHostServices::unwatch_fd(WatchId id) {
  if (watches_.erase(id) != 0) loop_.unwatch(id);
}

void LoopHostServices::display_mode_wanted(uint32_t scanout_id, const DisplayMode& mode) {
  loop_.post([&links = links_, scanout_id, mode] {
    if (links.display_mode_wanted) links.display_mode_wanted(scanout_id, mode);
  });
}

void LoopHostServices::request_stop(int exit_status) {
  loop_.post([&loop = loop_, &log = log_, &links = links_, exit_status] {
    log.info("stopping vugpu (exit status {})", exit_status);
    links.exit_status = std::max(links.exit_status, exit_status);
    loop.stop();
  });
}

VmmDisplay* LoopHostServices::vmm_display() { return links_.vmm_display ? links_.vmm_display() : nullptr; }

void LoopHostServices::fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id) {
  if (links_.fence_signalled) {
    links_.fence_signalled(ctx_id, ring_idx, fence_id);
    return;
  }
  // Only possible while starting (no device yet): a renderer signalled a fence nobody asked for.
  log_.warn("fence {} (context {}, ring {}) signalled before the device exists; ignored", fence_id, ctx_id, ring_idx);
}

}  // namespace vugpu
