// Result of an operation that the guest can observe. Each value maps onto exactly one
// VIRTIO_GPU_RESP_ERR_* (see core/protocol/response.cpp); NotSupported is how an optional
// plugin operation says "not here" and reaches the guest as ERR_UNSPEC, never as success.
#pragma once
#include <cstdint>
#include <string_view>

namespace vugpu {

enum class Status : uint32_t {
  Ok = 0,
  Unspec,            // VIRTIO_GPU_RESP_ERR_UNSPEC
  OutOfMemory,       // VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY (also: a configured limit was hit)
  InvalidScanoutId,  // VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID
  InvalidResourceId, // VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID
  InvalidContextId,  // VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID
  InvalidParameter,  // VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER
  NotSupported,      // optional operation missing in the plugin -> ERR_UNSPEC
};

constexpr std::string_view to_string(Status s) {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::Unspec: return "unspecified error";
    case Status::OutOfMemory: return "out of memory";
    case Status::InvalidScanoutId: return "invalid scanout id";
    case Status::InvalidResourceId: return "invalid resource id";
    case Status::InvalidContextId: return "invalid context id";
    case Status::InvalidParameter: return "invalid parameter";
    case Status::NotSupported: return "not supported";
  }
  return "?";
}

}  // namespace vugpu
