// The vhost-user-gpu display protocol (QEMU docs/interop/vhost-user-gpu.rst): the back-end
// (vugpu) sends requests over the socket the VMM handed over with VHOST_USER_GPU_SET_SOCKET;
// the VMM (QEMU's console) answers a few of them. All structs are packed on the wire.
#pragma once
#include <linux/virtio_gpu.h>
#include <cstdint>

namespace vugpu::gpu {

struct Header {
  uint32_t request;
  uint32_t flags;
  uint32_t size;  // payload bytes that follow
};
static_assert(sizeof(Header) == 12);

inline constexpr uint32_t kFlagReply = 0x4;

enum Request : uint32_t {
  kGetProtocolFeatures = 1,
  kSetProtocolFeatures = 2,
  kGetDisplayInfo = 3,
  kCursorPos = 4,
  kCursorPosHide = 5,
  kCursorUpdate = 6,
  kScanout = 7,
  kUpdate = 8,
  kDmabufScanout = 9,
  kDmabufUpdate = 10,
  kGetEdid = 11,
  kDmabufScanout2 = 12,
};

inline constexpr unsigned kProtocolEdid = 0;
inline constexpr unsigned kProtocolDmabuf2 = 1;

#pragma pack(push, 1)
struct CursorPos {
  uint32_t scanout_id, x, y;
};
struct CursorUpdate {
  CursorPos pos;
  uint32_t hot_x, hot_y;
  uint32_t data[64 * 64];  // a8r8g8b8 (PIXMAN), i.e. DRM ARGB8888
};
struct Scanout {
  uint32_t scanout_id, width, height;
};
struct Update {  // UPDATE: x8r8g8b8 rows follow; DMABUF_UPDATE: nothing follows
  uint32_t scanout_id, x, y, width, height;
};
struct DmabufScanout {
  uint32_t scanout_id, x, y, width, height;
  uint32_t fd_width, fd_height, fd_stride, fd_flags;
  int32_t fd_drm_fourcc;
};
struct DmabufScanout2 {
  DmabufScanout base;
  uint64_t modifier;
};
struct EdidRequest {
  uint32_t scanout_id;
};
#pragma pack(pop)

static_assert(sizeof(CursorPos) == 12);
static_assert(sizeof(CursorUpdate) == 12 + 8 + 64 * 64 * 4);
static_assert(sizeof(Scanout) == 12);
static_assert(sizeof(Update) == 20);
static_assert(sizeof(DmabufScanout) == 40);
static_assert(sizeof(DmabufScanout2) == 48);
static_assert(sizeof(virtio_gpu_resp_display_info) == 24 + 16 * 24);
static_assert(sizeof(virtio_gpu_resp_edid) == 24 + 8 + 1024);

// Largest reply vugpu accepts (GET_EDID's); anything bigger is a broken stream.
inline constexpr uint32_t kMaxReplyPayload = sizeof(virtio_gpu_resp_edid);

}  // namespace vugpu::gpu
