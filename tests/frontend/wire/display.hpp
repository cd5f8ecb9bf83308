// The vhost-user-gpu display channel (docs/interop/vhost-user-gpu.rst): the socket pair the VMM
// hands the backend with VHOST_USER_GPU_SET_SOCKET. The backend asks and reports; the VMM (this
// frontend's DisplayPeer) answers and shows.
#pragma once
#include <cstdint>

namespace vugpu::frontend::gpu {

enum Request : uint32_t {
  kNone = 0,
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

const char* request_name(uint32_t request);

inline constexpr uint32_t kReplyFlag = 0x4;
inline constexpr unsigned kProtocolEdid = 0;
inline constexpr unsigned kProtocolDmabuf2 = 1;
inline constexpr uint32_t kCursorSize = 64;

#pragma pack(push, 1)
struct Header {
  uint32_t request;
  uint32_t flags;
  uint32_t size;
};

struct CursorPos {
  uint32_t scanout_id, x, y;
};

struct CursorUpdate {
  CursorPos pos;
  uint32_t hot_x, hot_y;
  uint32_t data[kCursorSize * kCursorSize];
};

struct Scanout {
  uint32_t scanout_id, width, height;
};

struct UpdateHead {  // x8r8g8b8 rows (stride width * 4) follow
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

static_assert(sizeof(CursorUpdate) == 12 + 8 + 16384);
static_assert(sizeof(UpdateHead) == 20);
static_assert(sizeof(DmabufScanout) == 40);
static_assert(sizeof(DmabufScanout2) == 48);

}  // namespace vugpu::frontend::gpu
