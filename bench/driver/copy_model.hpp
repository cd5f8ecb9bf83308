// What "bytes copied" means here, for every backend alike: pixel bytes the backend copies in
// its own address space, plus the bytes it writes into the display socket (the kernel copies
// those into the socket buffer on the backend's CPU time). The VMM's side (socket read,
// composing into its console surface) is the same for every backend and is not counted.
//
// vugpu reports its own host copies (HostServices::count_copy). QEMU's vhost-user-gpu keeps no
// count, so its host copies come from its code (contrib/vhost-user-gpu/vhost-user-gpu.c, 7.2
// and 10.0 alike): TRANSFER_TO_HOST_2D copies the rectangle from guest pages into the
// resource's pixman image (iov_to_buf), RESOURCE_FLUSH composites the flushed rectangle from
// the image into a freshly allocated message (pixman_image_composite) and sendmsg()s that.
#pragma once
#include <cstdint>

namespace vugpu::bench {

inline constexpr const char* kQemuCopyModel =
    "model of contrib/vhost-user-gpu: transfer (iov_to_buf guest->image) + flush "
    "(pixman_image_composite image->message) = 2 x rectangle bytes, + socket bytes (measured)";

// QEMU's copies in its own address space for TRANSFER_TO_HOST_2D + RESOURCE_FLUSH of
// `rect_bytes` (the socket write comes on top, measured).
inline uint64_t qemu_host_copies(uint64_t rect_bytes) { return 2 * rect_bytes; }

}  // namespace vugpu::bench
