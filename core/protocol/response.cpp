#include "protocol/response.hpp"

#include <algorithm>
#include <cstring>

namespace vugpu::protocol {

virtio_gpu_ctrl_hdr response_header(const virtio_gpu_ctrl_hdr& request, uint32_t type) {
  static_assert(kIsWireStruct<virtio_gpu_ctrl_hdr>);
  virtio_gpu_ctrl_hdr h;
  std::memset(&h, 0, sizeof h);
  h.type = type;
  if (request.flags & VIRTIO_GPU_FLAG_FENCE) {
    h.flags = VIRTIO_GPU_FLAG_FENCE;
    h.fence_id = request.fence_id;
    h.ctx_id = request.ctx_id;
    if (request.flags & VIRTIO_GPU_FLAG_INFO_RING_IDX) {
      h.flags |= VIRTIO_GPU_FLAG_INFO_RING_IDX;
      h.ring_idx = request.ring_idx;
    }
  }
  return h;
}

uint32_t write_response(std::span<const iovec> writable, std::span<const uint8_t> bytes) {
  size_t done = 0;
  for (const iovec& v : writable) {
    if (done == bytes.size()) break;
    const size_t n = std::min(v.iov_len, bytes.size() - done);
    if (n != 0) std::memcpy(v.iov_base, bytes.data() + done, n);
    done += n;
  }
  // Responses are at most a header plus a capset bounded by Limits (32-bit); clamp for the type.
  return static_cast<uint32_t>(std::min<size_t>(done, UINT32_MAX));
}

}  // namespace vugpu::protocol
