// The device side of one split virtqueue (virtio 1.x, 2.7): reading the avail ring, writing the
// used ring, and deciding whether the driver wants an interrupt. The rings live in guest memory
// that the guest's vCPUs change concurrently, so every shared index is read and written with
// atomics and the barriers the spec asks for:
//   read avail->idx, then (acquire) the ring entries and descriptors it covers;
//   write the used element, then (release) used->idx;
//   full barrier between publishing used->idx and reading used_event / avail->flags, and
//   between publishing avail_event and re-reading avail->idx.
// Device loop thread only.
#pragma once
#include <cstdint>
#include <string>
#include "device/device.hpp"
#include "memory/guest_memory.hpp"
#include "vhost-user/descriptor_chain.hpp"

namespace vugpu::vhost {

class SplitRing {
 public:
  // Bytes of each part for a queue of `num` entries (event-index fields included).
  static uint64_t desc_bytes(uint32_t num) { return 16ull * num; }
  static uint64_t avail_bytes(uint32_t num) { return 6ull + 2ull * num; }
  static uint64_t used_bytes(uint32_t num) { return 6ull + 8ull * num; }
  static bool valid_size(uint32_t num) { return num != 0 && num <= 32768 && (num & (num - 1)) == 0; }

  // Host views of the three parts. The caller checked valid_size(num), that each view covers
  // the bytes above inside guest memory, and the alignment (16 / 2 / 4 bytes). Reads used->idx
  // so that a ring resumed after a stop continues where the used ring stands.
  void attach(uint32_t num, void* desc, void* avail, void* used);
  void detach();
  bool attached() const { return desc_ != nullptr; }
  uint32_t num() const { return num_; }

  uint16_t last_avail_idx() const { return last_avail_idx_; }
  void set_last_avail_idx(uint16_t idx) { last_avail_idx_ = idx; }
  uint16_t used_idx() const { return used_idx_; }

  enum class PopKind {
    Empty,     // nothing new in the avail ring
    Chain,     // `out` is a valid chain
    BadChain,  // the chain at `head` is malformed: complete it with 0 bytes
    Broken,    // the avail ring itself is corrupt (index jumped by more than num): stop the queue
  };
  struct PopResult {
    PopKind kind = PopKind::Empty;
    uint16_t head = 0;
    ChainError error = ChainError::None;
    uint16_t avail_idx = 0;  // what the driver published (for log lines)
    uint32_t descriptors = 0;  // read to walk the chain (the work it cost)
  };
  PopResult pop(const GuestMemory& memory, bool indirect_negotiated, const ChainLimits& limits, CommandChain& out);

  // Adds {head, len} to the used ring and publishes the new used->idx.
  void push_used(uint16_t head, uint32_t len);

  // Whether the driver asked to be interrupted for the entries pushed since the last call:
  // with VIRTIO_RING_F_EVENT_IDX by used_event, otherwise by VRING_AVAIL_F_NO_INTERRUPT.
  bool need_notify(bool event_idx);

  // Event index: ask the driver to kick once it makes entries available past last_avail_idx.
  // Returns true when more entries arrived meanwhile (process them, no kick will come).
  bool publish_avail_event();

 private:
  uint32_t num_ = 0;
  uint8_t* desc_ = nullptr;
  uint8_t* avail_ = nullptr;
  uint8_t* used_ = nullptr;
  uint16_t last_avail_idx_ = 0;   // next avail entry to take
  uint16_t used_idx_ = 0;         // next used entry to fill
  uint16_t signalled_used_ = 0;   // used_idx_ at the last need_notify() (or attach)
  bool signalled_used_valid_ = false;
};

}  // namespace vugpu::vhost
