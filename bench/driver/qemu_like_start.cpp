#include "qemu_like_start.hpp"
#include <fcntl.h>
#include <cstring>
#include <span>
#include <string>

namespace vugpu::bench {

using namespace vugpu::frontend;

namespace {

template <typename T>
std::span<const uint8_t> bytes_of(const T& v) {
  return {reinterpret_cast<const uint8_t*>(&v), sizeof(T)};
}

void make_blocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
    throw FrontendError(std::string("fcntl on the display socket: ") + std::strerror(errno));
}

void setup_queue(TestVmm& vmm, Queue q) {
  const uint32_t i = uint32_t(q);
  SplitVirtqueue& vq = vmm.queue(q);
  vmm.set(vu::kSetVringNum, bytes_of(vu::VringState{i, vq.size()}), {}, false);
  vmm.set(vu::kSetVringBase, bytes_of(vu::VringState{i, vq.avail_idx()}), {}, false);
  const vu::VringAddr addr{i, 0, vmm.ram().uva(vq.desc_gpa()), vmm.ram().uva(vq.used_gpa()),
                           vmm.ram().uva(vq.avail_gpa()), 0};
  vmm.set(vu::kSetVringAddr, bytes_of(addr), {}, false);
  const uint64_t index = i;
  const int kick = vmm.kick_fd(q), call = vmm.call_fd(q);
  vmm.set(vu::kSetVringKick, bytes_of(index), {&kick, 1}, false);
  vmm.set(vu::kSetVringCall, bytes_of(index), {&call, 1}, false);
}

}  // namespace

void start_like_qemu(TestVmm& vmm) {
  UniqueFd backend_end = vmm.display().open();
  make_blocking(backend_end.get());  // the backend's end only: ours stays non-blocking
  const int display_fd = backend_end.get();
  vmm.set(vu::kGpuSetSocket, {}, {&display_fd, 1}, false);
  backend_end.reset();

  // No EVENT_IDX, no INDIRECT_DESC: the benchmarks use plain chains, as Linux does for 2D.
  const uint64_t wanted = vu::bit(vu::kFeatureVersion1) | vmm.options().device_features | vu::bit(vu::kFeatureProtocolFeatures);
  const uint64_t acked = vmm.offered_features() & wanted;
  vmm.set_u64(vu::kSetFeatures, acked);

  if (const uint64_t r = vmm.set(vu::kSetMemTable, vmm.mem_table_payload(), vmm.mem_table_fds(), true); r != 0)
    throw FrontendError("backend refused SET_MEM_TABLE");
  for (unsigned i = 0; i < kQueueCount; ++i) setup_queue(vmm, Queue(i));
  if (acked & vu::bit(vu::kFeatureProtocolFeatures)) {
    const bool ack = vmm.has_protocol_feature(vu::kProtocolReplyAck);
    for (uint32_t i = 0; i < kQueueCount; ++i) {
      if (vmm.set(vu::kSetVringEnable, bytes_of(vu::VringState{i, 1}), {}, true) != 0)
        throw FrontendError("backend refused SET_VRING_ENABLE for queue " + std::to_string(i));
      if (!ack) vmm.get_u64(vu::kGetFeatures);  // QEMU's way to wait without REPLY_ACK
    }
  }
}

}  // namespace vugpu::bench
