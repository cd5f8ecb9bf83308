// Walking one split-virtqueue descriptor chain (virtio 1.x, 2.7.5 / 2.7.5.3) into a
// CommandChain of host views. The guest writes the table concurrently and may be hostile, so
// each descriptor is copied once and only the copy is used; every address goes through
// GuestMemory::translate (64-bit checked); a chain is bounded by the table size (a longer one
// must loop); an indirect table must be a whole number of descriptors, reachable only from a
// chain's first descriptor, never nested; readable buffers must all come before writable ones.
// Any thread (pure function of its arguments), in practice the device loop.
#pragma once
#include <cstdint>
#include "device/device.hpp"
#include "memory/guest_memory.hpp"

namespace vugpu::vhost {

enum class ChainError {
  None,
  HeadOutOfRange,         // the avail ring names a descriptor past the table
  NextOutOfRange,         // a `next` field points past its table
  Loop,                   // more hops than descriptors in the table
  IndirectNotNegotiated,  // VIRTQ_DESC_F_INDIRECT without VIRTIO_RING_F_INDIRECT_DESC
  IndirectNotFirst,       // an indirect descriptor after other descriptors of the chain
  IndirectWithNext,       // INDIRECT and NEXT together (forbidden by the spec)
  IndirectBadSize,        // table length 0, not a multiple of 16, or above the limit
  IndirectBadAddress,     // table not inside one region of guest memory
  NestedIndirect,         // INDIRECT inside an indirect table
  ReadableAfterWritable,  // a device-readable buffer after a device-writable one
  BadAddress,             // a buffer outside guest memory (or wrapping)
  TooManyFragments,       // more host fragments than the limit
  TooLarge,               // readable or writable total above 4 GiB - 1
};

const char* to_string(ChainError e);

struct ChainLimits {
  uint32_t max_indirect_descriptors = 32768;  // one indirect table
  size_t max_fragments = 4096;                // host iovecs per chain (after region splits)
};

// Fills out.readable / out.writable (out.head is set to `head`). On error `out` holds whatever
// was gathered so far and must not be used. `descriptors_read` (if given) gets how many
// descriptors were read, indirect ones included: the work a chain cost, good or bad.
ChainError walk_chain(const void* desc_table, uint32_t table_size, uint16_t head, const GuestMemory& memory,
                      bool indirect_negotiated, const ChainLimits& limits, CommandChain& out,
                      uint32_t* descriptors_read = nullptr);

}  // namespace vugpu::vhost
