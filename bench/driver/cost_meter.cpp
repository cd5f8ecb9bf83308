#include "cost_meter.hpp"
#include "copy_model.hpp"

namespace vugpu::bench {

void CostMeter::start(Contender& c) {
  copies0_ = c.bytes_copied();  // first: writing the stats file costs the daemon CPU time
  device0_ = c.device_bytes_copied();
  socket0_ = c.vmm().display().stats().bytes;
  cpu0_ = c.stats().cpu_seconds;
}

Cost CostMeter::stop(Contender& c, uint64_t modelled_rect_bytes) {
  Cost cost;
  const auto s = c.stats();  // before the copy counter, for the same reason as in start()
  cost.cpu_seconds = s.cpu_seconds - cpu0_;
  cost.rss_bytes = s.rss_bytes;
  cost.socket_bytes = c.vmm().display().stats().bytes - socket0_;
  if (c.counts_copies()) {
    // vugpu's counter already includes the socket write (present-vhost-user counts it).
    const auto copies1 = c.bytes_copied();
    if (copies0_ && copies1) cost.copied_bytes = *copies1 - *copies0_;
    const auto device1 = c.device_bytes_copied();
    if (device0_ && device1) cost.device_copied_bytes = *device1 - *device0_;
    cost.copied_source = cost.copied_bytes ? "vugpu's own counter (HostServices::count_copy via --stats-file)"
                                           : "unavailable: the daemon wrote no --stats-file";
  } else {
    cost.copied_bytes = qemu_host_copies(modelled_rect_bytes) + cost.socket_bytes;
    cost.device_copied_bytes = qemu_host_copies(modelled_rect_bytes);
    cost.copied_source = kQemuCopyModel;
  }
  return cost;
}

}  // namespace vugpu::bench
