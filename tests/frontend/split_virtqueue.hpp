// The driver's half of a split virtqueue (virtio 1.x, 2.6), built in guest RAM: descriptor
// table, available ring, used ring. The frontend puts chains on it and takes used entries off;
// it also checks what the device writes back (ids, lengths) and lets tests write anything at
// all into the rings (malformed chains, wild avail indexes).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include "guest_ram.hpp"
#include "page_allocator.hpp"

namespace vugpu::frontend {

inline constexpr uint16_t kDescNext = 1;
inline constexpr uint16_t kDescWrite = 2;
inline constexpr uint16_t kDescIndirect = 4;
inline constexpr uint16_t kUsedNoNotify = 1;       // VRING_USED_F_NO_NOTIFY
inline constexpr uint16_t kAvailNoInterrupt = 1;   // VRING_AVAIL_F_NO_INTERRUPT

struct Descriptor {
  uint64_t addr = 0;
  uint32_t len = 0;
  uint16_t flags = 0;
  uint16_t next = 0;
};
static_assert(sizeof(Descriptor) == 16);

struct BufferRef {
  uint64_t gpa = 0;
  uint32_t len = 0;
  bool writable = false;
};

struct UsedEntry {
  uint32_t id = 0;   // head descriptor index the device returned
  uint32_t len = 0;  // bytes it says it wrote
};

class SplitVirtqueue {
 public:
  // Allocates the rings in `alloc` (contiguous, page aligned).
  SplitVirtqueue(PageAllocator& alloc, uint16_t size, bool event_idx);

  uint16_t size() const { return size_; }
  uint64_t desc_gpa() const { return desc_gpa_; }
  uint64_t avail_gpa() const { return avail_gpa_; }
  uint64_t used_gpa() const { return used_gpa_; }
  bool event_idx() const { return event_idx_; }
  void set_event_idx(bool on) { event_idx_ = on; }
  uint16_t free_descriptors() const { return uint16_t(free_.size()); }

  // Puts a chain of direct descriptors on the ring (not yet visible: see publish()).
  // Returns the head, or nothing when the table has too few free descriptors.
  std::optional<uint16_t> add_chain(std::span<const BufferRef> buffers);
  // One descriptor with VIRTQ_DESC_F_INDIRECT pointing at `table_gpa`, where the chain is
  // written (16 bytes per buffer; the caller owns that memory until the chain is used).
  std::optional<uint16_t> add_indirect(std::span<const BufferRef> buffers, uint64_t table_gpa);

  // Makes `head` visible to the device (avail ring entry, then the index, with a barrier).
  void publish(uint16_t head);
  // Whether the device wants a kick for what was published since the last kick
  // (VRING_USED_F_NO_NOTIFY, or avail_event with EVENT_IDX). Resets the "since" point.
  bool kick_needed();

  // Next used entry, or nothing. Frees the descriptors of the chain the frontend had put under
  // that head. Entries naming a head that is not outstanding are recorded in errors().
  std::optional<UsedEntry> pop_used();
  bool has_used() const;
  // Ask for an interrupt at the next used entry (used_event with EVENT_IDX, else clears
  // VRING_AVAIL_F_NO_INTERRUPT). Call before sleeping on the call eventfd.
  void arm_interrupt();

  // Raw access for malformed input. take_descriptors() reserves free slots the caller fills
  // with write_descriptor(); forget_chain() gives them back when the device never will.
  std::vector<uint16_t> take_descriptors(uint16_t count);
  void write_descriptor(uint16_t index, const Descriptor& d);
  Descriptor read_descriptor(uint16_t index) const;
  void track_chain(uint16_t head, std::vector<uint16_t> slots);  // pop_used frees these
  void forget_chain(uint16_t head);
  void give_back(std::span<const uint16_t> slots);
  // Writes avail->idx directly (and the frontend's own idea of it).
  void set_avail_idx(uint16_t idx);
  // Puts an arbitrary value in the next avail ring slot, then bumps the index.
  void publish_raw(uint16_t ring_value);

  uint16_t avail_idx() const;
  uint16_t used_idx() const;
  uint16_t last_used_idx() const { return last_used_; }
  size_t outstanding() const;

  // Device misbehaviour seen on this queue (unknown ids, lengths over capacity, ...).
  const std::vector<std::string>& errors() const { return errors_; }
  void clear_errors() { errors_.clear(); }

 private:
  uint16_t* avail_flags() const;
  uint16_t* avail_idx_ptr() const;
  uint16_t* avail_ring() const;
  uint16_t* used_event() const;
  uint16_t* used_flags() const;
  uint16_t* used_idx_ptr() const;
  uint8_t* used_ring() const;
  uint16_t* avail_event() const;

  GuestRam& ram_;
  GuestAllocation rings_;
  uint16_t size_;
  bool event_idx_;
  uint64_t desc_gpa_ = 0, avail_gpa_ = 0, used_gpa_ = 0;
  Descriptor* desc_ = nullptr;
  uint8_t* avail_ = nullptr;
  uint8_t* used_ = nullptr;

  std::vector<uint16_t> free_;
  struct Outstanding {
    bool active = false;
    std::vector<uint16_t> slots;
    uint64_t writable_bytes = 0;
  };
  std::vector<Outstanding> chains_;  // by head
  uint16_t next_avail_ = 0;          // our copy of avail->idx
  uint16_t kicked_at_ = 0;           // avail idx at the last kick decision
  uint16_t last_used_ = 0;
  std::vector<std::string> errors_;
};

}  // namespace vugpu::frontend
