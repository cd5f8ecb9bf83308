// Blob providers (plugin kind "blob", e.g. blob.guest): a guest blob (RESOURCE_CREATE_BLOB,
// blob_mem GUEST) is guest memory the host reads in place. The core owns the resource and
// validates the command (ids, flags, every entry inside guest memory with 64-bit checked
// arithmetic, the entries summing to the blob's size); the provider turns the validated pages
// into ONE linear view that presenters read through a Frame, without a copy where it can.
//
// Threading: every BlobProvider method is called on the device loop thread only. A BlobView is
// created and destroyed by the core (on the device loop thread), so no plugin code runs when
// the last frame of a view is released, even after the plugin's library is gone.
#pragma once
#include <sys/mman.h>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>
#include "vugpu/status.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu {

// One run of a blob's guest bytes that lies inside ONE guest memory region (the core splits an
// entry where two regions meet). Pieces come in blob order; their lengths sum to the blob size.
struct GuestPiece {
  const uint8_t* host = nullptr;  // the core's mapping of these bytes; valid while the resource lives
  uint64_t length = 0;
  int fd = -1;            // the region's memory file (memfd, shm, hugetlbfs); borrowed for the
                          // call only (dup it to keep it); -1 when the core has no file for it
  uint64_t fd_offset = 0; // offset of host[0] inside fd
};

// An mmap()ed range, unmapped when it goes (RAII).
class MappedRange {
 public:
  MappedRange() = default;
  MappedRange(void* addr, size_t length) : addr_(addr), length_(length) {}
  MappedRange(MappedRange&& o) noexcept : addr_(std::exchange(o.addr_, nullptr)), length_(std::exchange(o.length_, 0)) {}
  MappedRange& operator=(MappedRange&& o) noexcept {
    if (this != &o) {
      reset();
      addr_ = std::exchange(o.addr_, nullptr);
      length_ = std::exchange(o.length_, 0);
    }
    return *this;
  }
  MappedRange(const MappedRange&) = delete;
  MappedRange& operator=(const MappedRange&) = delete;
  ~MappedRange() { reset(); }

  void reset() {
    if (addr_ != nullptr && length_ != 0) ::munmap(addr_, length_);
    addr_ = nullptr;
    length_ = 0;
  }
  uint8_t* data() const { return static_cast<uint8_t*>(addr_); }
  size_t size() const { return length_; }

 private:
  void* addr_ = nullptr;
  size_t length_ = 0;
};

// How a view reaches the guest's bytes. Chosen per resource at run time by the provider.
enum class BlobViewKind : uint32_t {
  None = 0,
  Udmabuf = 1,   // a udmabuf dmabuf over the guest pages (and its CPU mapping): no copy
  MemfdMap = 2,  // each piece's memfd range mapped back to back into one reserved range: no copy
  Gather = 3,    // a host buffer refreshed from the pieces before each read: a counted copy
};

constexpr const char* to_string(BlobViewKind k) {
  switch (k) {
    case BlobViewKind::None: return "none";
    case BlobViewKind::Udmabuf: return "udmabuf";
    case BlobViewKind::MemfdMap: return "memfd mapping";
    case BlobViewKind::Gather: return "gather copy";
  }
  return "?";
}

// The linear view of one blob: `data` points at byte 0 and `size` bytes follow. Created empty
// by the core, filled by BlobProvider::make_view, shared by the resource and by every frame a
// presenter still reads (an UNREF or DETACH_BACKING while a presenter reads keeps it alive until
// the release). Destroyed by the core.
struct BlobView {
  BlobViewKind kind = BlobViewKind::None;
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  UniqueFd dmabuf;                  // Udmabuf: lent to presenters as Frame::dmabuf_fd
  MappedRange mapping;              // Udmabuf / MemfdMap: the CPU view `data` points into
  std::vector<uint8_t> gather;      // Gather: the host copy `data` points into
  std::vector<GuestPiece> pieces;   // Gather: where prepare_read copies from (fd = -1)
};

class BlobProvider {
 public:
  virtual ~BlobProvider() = default;

  // Fill `out` with a view of the blob made of `pieces` (already validated by the core:
  // inside guest memory, summing to `size`). Called on RESOURCE_CREATE_BLOB with entries and
  // on RESOURCE_ATTACH_BACKING of a blob created without. Return OutOfMemory/Unspec when no
  // view can be made (the guest gets that error).
  virtual Status make_view(uint32_t resource_id, std::span<const GuestPiece> pieces, uint64_t size, BlobView& out) = 0;

  // Presenters are about to read bytes [offset, offset + length) of the view (a flush of a blob
  // scanout, an UPDATE_CURSOR); the core checked the range is inside the view. Views that map
  // the guest's pages have nothing to do; a gather view copies those bytes here (and counts it
  // with HostServices::count_copy).
  virtual Status prepare_read(BlobView& view, uint64_t offset, uint64_t length) = 0;
};

}  // namespace vugpu
