#include "vhost-user/descriptor_chain.hpp"

#include "vhost-user/protocol.hpp"
#include <cstring>

namespace vugpu::vhost {

namespace {

struct Desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(Desc) == 16);

// One read of the guest's descriptor; everything afterwards uses the copy (no double fetch).
Desc read_desc(const void* table, uint32_t i) {
  Desc d;
  std::memcpy(&d, static_cast<const uint8_t*>(table) + uint64_t{i} * sizeof(Desc), sizeof d);
  return d;
}

class ChainBuilder {
 public:
  ChainBuilder(const GuestMemory& memory, const ChainLimits& limits, CommandChain& out)
      : memory_(memory), limits_(limits), out_(out) {}

  ChainError add(const Desc& d) {
    const bool writable = d.flags & kDescFlagWrite;
    if (!writable && seen_writable_) return ChainError::ReadableAfterWritable;
    seen_writable_ |= writable;
    uint64_t& total = writable ? writable_bytes_ : readable_bytes_;
    total += d.len;  // d.len <= 2^32 - 1 and at most 2^16 descriptors: never wraps 64 bits
    if (total > UINT32_MAX) return ChainError::TooLarge;
    auto& side = writable ? out_.writable : out_.readable;
    const size_t used = out_.readable.size() + out_.writable.size();
    if (!memory_.translate_append(d.addr, d.len, side, limits_.max_fragments - used)) {
      // Tell "outside memory" from "too fragmented": retry without the fragment limit.
      std::vector<iovec> probe;
      return memory_.translate_append(d.addr, d.len, probe, SIZE_MAX) ? ChainError::TooManyFragments
                                                                       : ChainError::BadAddress;
    }
    return ChainError::None;
  }

 private:
  const GuestMemory& memory_;
  const ChainLimits& limits_;
  CommandChain& out_;
  bool seen_writable_ = false;
  uint64_t readable_bytes_ = 0, writable_bytes_ = 0;
};

ChainError walk_indirect(const Desc& ind, const GuestMemory& memory, const ChainLimits& limits, ChainBuilder& b,
                         uint32_t& read) {
  if (ind.flags & kDescFlagNext) return ChainError::IndirectWithNext;
  if (ind.len == 0 || ind.len % sizeof(Desc) != 0) return ChainError::IndirectBadSize;
  const uint32_t count = ind.len / sizeof(Desc);
  if (count > limits.max_indirect_descriptors) return ChainError::IndirectBadSize;
  const void* table = memory.contiguous(ind.addr, ind.len);
  if (table == nullptr) return ChainError::IndirectBadAddress;
  uint32_t i = 0;
  for (uint32_t hops = 0;; ++hops) {
    if (hops >= count) return ChainError::Loop;
    const Desc d = read_desc(table, i);
    ++read;
    if (d.flags & kDescFlagIndirect) return ChainError::NestedIndirect;
    if (ChainError e = b.add(d); e != ChainError::None) return e;
    if (!(d.flags & kDescFlagNext)) return ChainError::None;
    if (d.next >= count) return ChainError::NextOutOfRange;
    i = d.next;
  }
}

}  // namespace

const char* to_string(ChainError e) {
  switch (e) {
    case ChainError::None: return "ok";
    case ChainError::HeadOutOfRange: return "head descriptor index out of range";
    case ChainError::NextOutOfRange: return "next descriptor index out of range";
    case ChainError::Loop: return "descriptor chain loops (longer than its table)";
    case ChainError::IndirectNotNegotiated: return "indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC";
    case ChainError::IndirectNotFirst: return "indirect descriptor not at the head of the chain";
    case ChainError::IndirectWithNext: return "indirect descriptor with the NEXT flag";
    case ChainError::IndirectBadSize: return "indirect table size is 0, not a multiple of 16, or too big";
    case ChainError::IndirectBadAddress: return "indirect table not inside one guest memory region";
    case ChainError::NestedIndirect: return "nested indirect descriptor";
    case ChainError::ReadableAfterWritable: return "device-readable buffer after a device-writable one";
    case ChainError::BadAddress: return "buffer outside guest memory";
    case ChainError::TooManyFragments: return "too many buffer fragments";
    case ChainError::TooLarge: return "buffers larger than 4 GiB";
  }
  return "?";
}

ChainError walk_chain(const void* desc_table, uint32_t table_size, uint16_t head, const GuestMemory& memory,
                      bool indirect_negotiated, const ChainLimits& limits, CommandChain& out,
                      uint32_t* descriptors_read) {
  uint32_t unused = 0;
  uint32_t& read = descriptors_read ? *descriptors_read : unused;
  read = 0;
  out.head = head;
  out.readable.clear();
  out.writable.clear();
  if (head >= table_size) return ChainError::HeadOutOfRange;
  ChainBuilder builder(memory, limits, out);
  uint32_t i = head;
  for (uint32_t hops = 0;; ++hops) {
    if (hops >= table_size) return ChainError::Loop;
    const Desc d = read_desc(desc_table, i);
    ++read;
    if (d.flags & kDescFlagIndirect) {
      if (!indirect_negotiated) return ChainError::IndirectNotNegotiated;
      if (hops != 0) return ChainError::IndirectNotFirst;
      return walk_indirect(d, memory, limits, builder, read);
    }
    if (ChainError e = builder.add(d); e != ChainError::None) return e;
    if (!(d.flags & kDescFlagNext)) return ChainError::None;
    if (d.next >= table_size) return ChainError::NextOutOfRange;
    i = d.next;
  }
}

}  // namespace vugpu::vhost
