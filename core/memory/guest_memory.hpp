// Guest physical memory as the VMM shared it: a set of regions (guest physical address, size,
// host mapping). Every access the device makes on the guest's behalf goes through translate(),
// which checks the whole range with 64-bit arithmetic, so a guest address can never reach
// outside a mapping. Device loop thread only.
#pragma once
#include <sys/uio.h>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>
#include "memory/guarded_mapping.hpp"
#include "vugpu/blob.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu {

// One mmap()ed region. Owns the mapping (RAII): unmapped when the last reference goes.
// A mapped region is guarded (guarded_mapping.hpp): if the VMM shrinks the file under it, the
// access that faults reads zeros instead of killing the daemon, and poisoned() turns true.
class MemoryRegion {
 public:
  // Takes ownership of a mapping [base, base + map_size) of which the guest sees
  // [base + map_offset, base + map_offset + size) at guest physical address gpa.
  MemoryRegion(uint64_t gpa, uint64_t size, uint64_t user_addr, void* base, uint64_t map_size, uint64_t map_offset);
  ~MemoryRegion();
  MemoryRegion(const MemoryRegion&) = delete;
  MemoryRegion& operator=(const MemoryRegion&) = delete;

  // Maps fd (a memfd from the VMM), guarded, and returns the region, or nullptr with errno set
  // (ENOMEM also when no guard slot is left).
  static std::shared_ptr<MemoryRegion> map(int fd, uint64_t gpa, uint64_t size, uint64_t user_addr, uint64_t mmap_offset);
  // A region over memory the caller keeps alive (tests): nothing is unmapped.
  static std::shared_ptr<MemoryRegion> borrow(uint64_t gpa, void* host, uint64_t size, uint64_t user_addr = 0);

  uint64_t gpa() const { return gpa_; }
  uint64_t size() const { return size_; }
  uint64_t user_addr() const { return user_addr_; }
  uint8_t* host() const { return static_cast<uint8_t*>(base_) + map_offset_; }
  // The VMM truncated the file under this mapping (any thread may ask).
  bool poisoned() const { return guard_.poisoned(); }

  // The memory file behind the region, for blob views that map the guest's pages themselves
  // (guest_pieces.cpp). keep_file() keeps a duplicate of fd, whose byte `offset` is host()[0];
  // false (nothing kept) when it cannot be duplicated. file() is -1 when none was kept.
  bool keep_file(int fd, uint64_t offset);
  int file() const { return file_.get(); }
  uint64_t file_offset() const { return file_offset_; }

 private:
  uint64_t gpa_, size_, user_addr_;
  void* base_;
  uint64_t map_size_, map_offset_;
  GuardedMapping guard_;  // unregistered before the munmap (see the destructor)
  UniqueFd file_;         // for blob views (keep_file)
  uint64_t file_offset_ = 0;
};

class GuestMemory {
 public:
  void add(std::shared_ptr<MemoryRegion> region);
  // Removes the region at exactly this gpa and size; false when there is none.
  bool remove(uint64_t gpa, uint64_t size);
  void clear() { regions_.clear(); }
  size_t region_count() const { return regions_.size(); }
  const std::vector<std::shared_ptr<MemoryRegion>>& regions() const { return regions_; }

  // Host views of [gpa, gpa + len), split where regions meet. Empty optional when any byte is
  // outside guest memory or gpa + len wraps. len == 0 gives an empty vector.
  // Appends at most max_iov entries; more fails (the caller's limit on fragments).
  std::optional<std::vector<iovec>> translate(uint64_t gpa, uint64_t len, size_t max_iov = 1024) const;
  // Appends to `out` instead of returning a new vector; false on failure (out unchanged).
  bool translate_append(uint64_t gpa, uint64_t len, std::vector<iovec>& out, size_t max_iov) const;

  // Blob pages: [gpa, gpa + len) as pieces inside one region each, with the region's memory
  // file (fd -1 where it has none), appended to `out`. Same checks and failure as
  // translate_append (out unchanged on failure). Implemented in guest_pieces.cpp.
  bool translate_pieces(uint64_t gpa, uint64_t len, std::vector<GuestPiece>& out, size_t max_pieces) const;

  // Host pointer for a range that must be contiguous in one region (vring structures);
  // null when it is not.
  void* contiguous(uint64_t gpa, uint64_t len) const;
  // Same for a VMM user (QEMU virtual) address, as VHOST_USER_SET_VRING_ADDR sends them.
  void* contiguous_uva(uint64_t uva, uint64_t len) const;

 private:
  const MemoryRegion* find(uint64_t gpa) const;
  std::vector<std::shared_ptr<MemoryRegion>> regions_;
};

}  // namespace vugpu
