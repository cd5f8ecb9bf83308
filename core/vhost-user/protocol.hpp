// The vhost-user wire format (QEMU docs/interop/vhost-user.rst), as far as vugpu speaks it.
// Written from the specification; every payload struct is checked against its wire size.
// Numbers are little-endian on the wire; vugpu runs on little-endian hosts only (asserted).
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vugpu::vhost {

static_assert(std::endian::native == std::endian::little, "vhost-user payloads are read in place");

// --- Header -----------------------------------------------------------------------------------
struct MessageHeader {
  uint32_t request;
  uint32_t flags;
  uint32_t size;  // payload bytes that follow
};
static_assert(sizeof(MessageHeader) == 12);

inline constexpr uint32_t kVersion = 0x1;            // flags bits 0..1
inline constexpr uint32_t kVersionMask = 0x3;
inline constexpr uint32_t kFlagReply = 1u << 2;
inline constexpr uint32_t kFlagNeedReply = 1u << 3;
inline constexpr uint32_t kKnownFlags = kVersionMask | kFlagReply | kFlagNeedReply;

// --- Requests (front-end -> back-end) ---------------------------------------------------------
enum Request : uint32_t {
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
  kSendRarp = 19,
  kNetSetMtu = 20,
  kSetBackendReqFd = 21,
  kIotlbMsg = 22,
  kSetVringEndian = 23,
  kGetConfig = 24,
  kSetConfig = 25,
  kGpuSetSocket = 33,
  kResetDevice = 34,
  kVringKick = 35,
  kGetMaxMemSlots = 36,
  kAddMemReg = 37,
  kRemMemReg = 38,
  kSetStatus = 39,
  kGetStatus = 40,
};

std::string_view request_name(uint32_t request);

// --- Back-end requests (on the SET_BACKEND_REQ_FD channel, back-end -> front-end) -------------
inline constexpr uint32_t kBackendConfigChangeMsg = 2;  // VHOST_USER_BACKEND_CONFIG_CHANGE_MSG: no payload

// --- Feature bits -----------------------------------------------------------------------------
inline constexpr uint64_t bit(unsigned n) { return uint64_t{1} << n; }

inline constexpr unsigned kFeatureIndirectDesc = 28;   // VIRTIO_RING_F_INDIRECT_DESC
inline constexpr unsigned kFeatureEventIdx = 29;       // VIRTIO_RING_F_EVENT_IDX
inline constexpr unsigned kFeatureProtocolFeatures = 30;  // VHOST_USER_F_PROTOCOL_FEATURES
inline constexpr unsigned kFeatureVersion1 = 32;       // VIRTIO_F_VERSION_1

inline constexpr unsigned kProtocolMq = 0;
inline constexpr unsigned kProtocolReplyAck = 3;
inline constexpr unsigned kProtocolBackendReq = 5;  // SET_BACKEND_REQ_FD: a channel back to the front-end
inline constexpr unsigned kProtocolConfig = 9;
inline constexpr unsigned kProtocolConfigureMemSlots = 15;

// --- Payloads ---------------------------------------------------------------------------------
struct VringState {
  uint32_t index;
  uint32_t num;
};
static_assert(sizeof(VringState) == 8);

inline constexpr uint32_t kVringAddrFlagLog = 1u << 0;  // VHOST_VRING_F_LOG
struct VringAddr {
  uint32_t index;
  uint32_t flags;
  uint64_t desc_user_addr;
  uint64_t used_user_addr;
  uint64_t avail_user_addr;
  uint64_t log_guest_addr;
};
static_assert(sizeof(VringAddr) == 40);

// SET_VRING_KICK / CALL / ERR carry a u64: the queue index and a "no fd" flag.
inline constexpr uint64_t kVringIndexMask = 0xff;
inline constexpr uint64_t kVringNoFdFlag = 1u << 8;

struct MemoryRegionDesc {
  uint64_t guest_phys_addr;
  uint64_t memory_size;
  uint64_t userspace_addr;
  uint64_t mmap_offset;
};
static_assert(sizeof(MemoryRegionDesc) == 32);

inline constexpr uint32_t kMaxMemTableRegions = 8;  // VHOST_MEMORY_BASELINE_NREGIONS
struct MemoryTableHeader {
  uint32_t nregions;
  uint32_t padding;
  // MemoryRegionDesc regions[nregions] follow
};
static_assert(sizeof(MemoryTableHeader) == 8);

struct SingleMemoryRegion {  // ADD_MEM_REG / REM_MEM_REG
  uint64_t padding;
  MemoryRegionDesc region;
};
static_assert(sizeof(SingleMemoryRegion) == 40);

inline constexpr uint32_t kMaxConfigSize = 256;  // VHOST_USER_MAX_CONFIG_SIZE
struct ConfigHeader {
  uint32_t offset;
  uint32_t size;
  uint32_t flags;
  // uint8_t region[size] follows
};
static_assert(sizeof(ConfigHeader) == 12);

// Largest payload vugpu reads at all. Every request it understands is far smaller; an unknown
// one up to this size is read and refused, keeping the stream in step. A larger size means the
// framing cannot be trusted and the connection is closed.
inline constexpr uint32_t kMaxPayload = 64 * 1024;
// File descriptors one message may carry (SET_MEM_TABLE: one per region).
inline constexpr size_t kMaxFds = kMaxMemTableRegions;

// Split virtqueue flags (virtio 1.x 2.7; <linux/virtio_ring.h> does not compile as C++).
inline constexpr uint16_t kDescFlagNext = 1;
inline constexpr uint16_t kDescFlagWrite = 2;
inline constexpr uint16_t kDescFlagIndirect = 4;
inline constexpr uint16_t kAvailFlagNoInterrupt = 1;

// The event index rule (virtio 1.x 2.7.7.2 / 2.7.10.2): notify when new_idx passed event_idx
// since old_idx, all modulo 2^16.
constexpr bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
  return static_cast<uint16_t>(new_idx - event_idx - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

// Vring limits of a split queue.
inline constexpr uint32_t kMaxQueueSize = 32768;
inline constexpr uint32_t kQueueCount = 2;  // controlq, cursorq

}  // namespace vugpu::vhost
