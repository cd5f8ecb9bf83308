// Guest memory as blob providers see it: pieces of guest ranges with the memory file behind
// them (vugpu/blob.hpp). Kept apart from guest_memory.cpp: only blobs need the files.
#include <fcntl.h>
#include <algorithm>
#include "memory/guest_memory.hpp"

namespace vugpu {

bool MemoryRegion::keep_file(int fd, uint64_t offset) {
  UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!copy) return false;
  file_ = std::move(copy);
  file_offset_ = offset;
  return true;
}

bool GuestMemory::translate_pieces(uint64_t gpa, uint64_t len, std::vector<GuestPiece>& out, size_t max_pieces) const {
  uint64_t end = 0;
  if (__builtin_add_overflow(gpa, len, &end)) return false;
  const size_t start = out.size();
  while (gpa < end) {
    const MemoryRegion* r = find(gpa);
    if (r == nullptr || out.size() - start >= max_pieces) {
      out.resize(start);
      return false;
    }
    const uint64_t off = gpa - r->gpa();
    const uint64_t n = std::min(end - gpa, r->size() - off);
    GuestPiece p;
    p.host = r->host() + off;
    p.length = n;
    p.fd = r->file();
    p.fd_offset = r->file() >= 0 ? r->file_offset() + off : 0;
    out.push_back(p);
    gpa += n;
  }
  return true;
}

}  // namespace vugpu
