// Responses: the Status -> VIRTIO_GPU_RESP_* mapping, the fence echo, and writing a response
// into the chain's writable buffers.
//
// Too little writable space: the device writes the leading bytes that fit and reports exactly
// that many as written (the used-ring length). The virtio spec defines the used length as the
// number of bytes the device wrote, and the chain must go back to the driver either way (or the
// guest leaks the descriptors); a driver that gave too little room sees a short length. This is
// also what QEMU does. Bytes beyond the response are never touched.
#pragma once
#include <sys/uio.h>
#include <cstdint>
#include <span>
#include "protocol/wire.hpp"
#include "vugpu/status.hpp"

namespace vugpu::protocol {

// VIRTIO_GPU_RESP_OK_NODATA for Ok, else the matching VIRTIO_GPU_RESP_ERR_*.
constexpr uint32_t response_type(Status s) {
  switch (s) {
    case Status::Ok: return VIRTIO_GPU_RESP_OK_NODATA;
    case Status::Unspec: return VIRTIO_GPU_RESP_ERR_UNSPEC;
    case Status::OutOfMemory: return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
    case Status::InvalidScanoutId: return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
    case Status::InvalidResourceId: return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
    case Status::InvalidContextId: return VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID;
    case Status::InvalidParameter: return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
    case Status::NotSupported: return VIRTIO_GPU_RESP_ERR_UNSPEC;
  }
  return VIRTIO_GPU_RESP_ERR_UNSPEC;
}

// The response header for `request`: `type`, and when the guest asked for a fence
// (VIRTIO_GPU_FLAG_FENCE) the fence echoed back: flags, fence_id, ctx_id, and ring_idx when
// VIRTIO_GPU_FLAG_INFO_RING_IDX was set too. Every other byte is zero.
virtio_gpu_ctrl_hdr response_header(const virtio_gpu_ctrl_hdr& request, uint32_t type);

// Copies `bytes` into the writable buffers in order; returns how many fitted (<= bytes.size()).
uint32_t write_response(std::span<const iovec> writable, std::span<const uint8_t> bytes);

}  // namespace vugpu::protocol
