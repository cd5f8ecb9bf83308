// The vhost-user wire format as the frontend (the VMM side) speaks it: request numbers, header
// flags, feature bits and the packed payloads. Written from docs/interop/vhost-user.rst; kept
// separate from the core on purpose, so the test frontend checks the daemon against the
// specification rather than against the daemon's own definitions.
#pragma once
#include <cstdint>

namespace vugpu::frontend::vu {

enum Request : uint32_t {
  kNone = 0,
  kGetFeatures = 1,
  kSetFeatures = 2,
  kSetOwner = 3,
  kResetOwner = 4,
  kSetMemTable = 5,
  kSetLogBase = 6,
  kSetLogFd = 7,
  kSetVringNum = 8,
  kSetVringAddr = 9,
  kSetVringBase = 10,
  kGetVringBase = 11,
  kSetVringKick = 12,
  kSetVringCall = 13,
  kSetVringErr = 14,
  kGetProtocolFeatures = 15,
  kSetProtocolFeatures = 16,
  kGetQueueNum = 17,
  kSetVringEnable = 18,
  kSetBackendReqFd = 21,
  kGetConfig = 24,
  kSetConfig = 25,
  kGpuSetSocket = 33,
  kResetDevice = 34,
  kGetMaxMemSlots = 36,
  kAddMemReg = 37,
  kRemMemReg = 38,
  kSetStatus = 39,
  kGetStatus = 40,
};

const char* request_name(uint32_t request);

// Header flags.
inline constexpr uint32_t kVersion = 0x1;
inline constexpr uint32_t kVersionMask = 0x3;
inline constexpr uint32_t kReplyFlag = 1u << 2;
inline constexpr uint32_t kNeedReplyFlag = 1u << 3;

// Virtio feature bits the frontend cares about.
inline constexpr unsigned kFeatureVirgl = 0;           // VIRTIO_GPU_F_VIRGL
inline constexpr unsigned kFeatureEdid = 1;            // VIRTIO_GPU_F_EDID
inline constexpr unsigned kFeatureResourceUuid = 2;    // VIRTIO_GPU_F_RESOURCE_UUID
inline constexpr unsigned kFeatureResourceBlob = 3;    // VIRTIO_GPU_F_RESOURCE_BLOB
inline constexpr unsigned kFeatureContextInit = 4;     // VIRTIO_GPU_F_CONTEXT_INIT
inline constexpr unsigned kFeatureNotifyOnEmpty = 24;  // VIRTIO_F_NOTIFY_ON_EMPTY
inline constexpr unsigned kFeatureLogAll = 26;         // VHOST_F_LOG_ALL: never asked for
inline constexpr unsigned kFeatureIndirectDesc = 28;   // VIRTIO_RING_F_INDIRECT_DESC
inline constexpr unsigned kFeatureEventIdx = 29;       // VIRTIO_RING_F_EVENT_IDX
inline constexpr unsigned kFeatureProtocolFeatures = 30;  // VHOST_USER_F_PROTOCOL_FEATURES
inline constexpr unsigned kFeatureVersion1 = 32;       // VIRTIO_F_VERSION_1

// Protocol feature bits.
inline constexpr unsigned kProtocolMq = 0;
inline constexpr unsigned kProtocolLogShmfd = 1;
inline constexpr unsigned kProtocolReplyAck = 3;
inline constexpr unsigned kProtocolBackendReq = 5;
// Back-end -> front-end requests on the SET_BACKEND_REQ_FD channel.
inline constexpr uint32_t kBackendConfigChangeMsg = 2;  // VHOST_USER_BACKEND_CONFIG_CHANGE_MSG
inline constexpr unsigned kProtocolConfig = 9;
inline constexpr unsigned kProtocolBackendSendFd = 10;
inline constexpr unsigned kProtocolHostNotifier = 11;
inline constexpr unsigned kProtocolInflightShmfd = 12;
inline constexpr unsigned kProtocolResetDevice = 13;
inline constexpr unsigned kProtocolConfigureMemSlots = 15;
inline constexpr unsigned kProtocolStatus = 16;

constexpr uint64_t bit(unsigned n) { return uint64_t{1} << n; }

// Payload of SET_VRING_KICK / SET_VRING_CALL / SET_VRING_ERR: queue index in the low byte,
// this bit when no fd comes with the message (polling mode).
inline constexpr uint64_t kVringIndexMask = 0xff;
inline constexpr uint64_t kVringNoFd = 1u << 8;

inline constexpr unsigned kMaxMemRegions = 8;  // VHOST_MEMORY_BASELINE_NREGIONS
inline constexpr unsigned kMaxConfigSize = 256;

#pragma pack(push, 1)
struct Header {
  uint32_t request;
  uint32_t flags;
  uint32_t size;  // of the payload that follows
};

struct VringState {
  uint32_t index;
  uint32_t num;
};

struct VringAddr {
  uint32_t index;
  uint32_t flags;
  uint64_t desc_user_addr;
  uint64_t used_user_addr;
  uint64_t avail_user_addr;
  uint64_t log_guest_addr;
};

struct MemoryRegion {
  uint64_t guest_phys_addr;
  uint64_t memory_size;
  uint64_t userspace_addr;
  uint64_t mmap_offset;
};

struct MemoryTableHead {
  uint32_t nregions;
  uint32_t padding;
  // nregions MemoryRegion follow; QEMU sends exactly that many (size = 8 + 32 * n).
};

struct ConfigHead {
  uint32_t offset;
  uint32_t size;
  uint32_t flags;
  // `size` bytes of config space follow.
};
#pragma pack(pop)

static_assert(sizeof(Header) == 12);
static_assert(sizeof(VringAddr) == 40);
static_assert(sizeof(MemoryRegion) == 32);
static_assert(sizeof(ConfigHead) == 12);

}  // namespace vugpu::frontend::vu
