// The guest memory map as the VMM sends it (SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG), mapped
// and published into the GuestMemory the device reads through.
//
// Every region is checked before it is mapped: non-empty, no 64-bit wrap of its guest, user or
// file range, no overlap with another region's guest range, and the file really is as large as
// offset + size (mapping past the end of a memfd would turn the first access into SIGBUS).
//
// A mapping the VMM takes away is not unmapped at once: commands in flight and resources'
// backing still hold host pointers into it. It is "retired" and unmapped when nothing can use
// it any more: at device reset or disconnect.
//
// Every mapping is guarded against SIGBUS (memory/guarded_mapping.hpp): a VMM that truncates an
// unsealed memfd under us poisons the mapping (zeros from then on) and gets disconnected. A
// poisoned mapping is never reused for an identical region. An identical region sent again (QEMU re-sends the
// whole table on every memory change) keeps its mapping, so pointers stay valid.
//
// Device loop thread only.
#pragma once
#include <sys/types.h>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>
#include "vugpu/unique_fd.hpp"
#include "memory/guest_memory.hpp"
#include "vhost-user/protocol.hpp"

namespace vugpu::vhost {

class MemoryTable {
 public:
  static constexpr uint32_t kMaxSlots = 64;     // answered to GET_MAX_MEM_SLOTS
  static constexpr size_t kMaxRetired = 64;     // past this, ask for a device reset

  explicit MemoryTable(GuestMemory& memory) : memory_(memory) {}
  ~MemoryTable() { clear(); }
  MemoryTable(const MemoryTable&) = delete;
  MemoryTable& operator=(const MemoryTable&) = delete;

  // SET_MEM_TABLE: the new table replaces the old one, or nothing changes (false + why).
  // fds[i] belongs to regions[i]; all fds are closed on return (a mapping keeps what it needs).
  bool replace(std::span<const MemoryRegionDesc> regions, std::span<UniqueFd> fds, std::string& why);
  bool add(const MemoryRegionDesc& region, UniqueFd fd, std::string& why);
  // Identified by guest address, user address and size (the mmap offset is ignored).
  bool remove(const MemoryRegionDesc& region, std::string& why);

  // Disconnect: unmaps everything, the GuestMemory is left empty.
  void clear();
  // After Device::reset(): nothing refers to retired mappings any more.
  void drop_retired() { retired_.clear(); }
  bool too_many_retired() const { return retired_.size() > kMaxRetired; }

  // A mapping (current or retired) was truncated under us by the VMM (guarded_mapping.hpp).
  bool poisoned() const;

  size_t size() const { return slots_.size(); }
  size_t retired() const { return retired_.size(); }

 private:
  struct Slot {
    MemoryRegionDesc desc;
    dev_t dev;
    ino_t ino;
    std::shared_ptr<MemoryRegion> region;
  };
  // Checks one region against the file and maps it (or reuses a current identical mapping).
  bool make_slot(const MemoryRegionDesc& d, int fd, Slot& out, std::string& why) const;
  static bool overlaps(const std::vector<Slot>& slots, const MemoryRegionDesc& d);
  void install(std::vector<Slot> slots);  // swaps in, retires what is no longer used, publishes

  GuestMemory& memory_;
  std::vector<Slot> slots_;
  std::vector<std::shared_ptr<MemoryRegion>> retired_;
};

}  // namespace vugpu::vhost
